// A FactSource that answers from facts the test gives, by section, with the provenance the
// broker gives each section, and counts the questions.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "hub/registry/facts.hpp"

namespace hub::registry::testing {

// Facts by section: each member of `record_json` ({"person": {...}, "family": {...}}) is an ok
// section from the partner conf/hub.yaml asks for it (person: dgsn, family: dgct, taxpayer: dgi,
// company: ompic, household: anrc), whose provenance covers every field. `statuses_json` says,
// by section, how the other steps went: {"taxpayer": {"status": "not_found"}, "person":
// {"status": "unavailable", "error": "timeout"}}; "ok" for a section the record lacks means its
// partner knows nothing (not_found); "misconfigured" is the hub's fault (a mapping missing).
Facts facts_with_provenance(const std::string& record_json,
                            const std::string& statuses_json = "{}");

// A person known to DGSN (and DGCT when family_json is not empty).
std::string person_record(const std::string& cnie, const std::string& last_name,
                          const std::string& first_name, const std::string& sex,
                          const std::string& birth_date, const std::string& family_json = "",
                          const std::string& taxpayer_json = "");

// `record_json` with one more section.
std::string with_section(std::string record_json, const std::string& name,
                         const std::string& section_json);

// An RSU household (mappings/canonical/household.yaml) with the person BK123456 at its head,
// eligible to AMO Tadamon or not (index 9.1532417 or 9.4012, threshold 9.3264284).
std::string household_record(bool eligible, const std::string& household_id = "M-2024-00731455");

class FakeFacts final : public FactSource {
 public:
  std::map<std::string, Facts> people;     // by CNIE
  std::map<std::string, Facts> companies;  // by ICE
  std::atomic<int> calls{0};
  std::string last_purpose() const {
    std::lock_guard lock(mutex_);
    return last_purpose_;
  }

  boost::asio::awaitable<Result<Facts>> person(std::string cnie, std::string purpose,
                                               std::string category,
                                               std::string correlation_id) override;
  boost::asio::awaitable<Result<Facts>> employer(std::string ice,
                                                 std::string correlation_id) override;

 private:
  mutable std::mutex mutex_;
  std::string last_purpose_;
};

}  // namespace hub::registry::testing
