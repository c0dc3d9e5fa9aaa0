// A FactSource that answers from facts the test gives, with per-field provenance as the broker
// produces it, and counts the questions.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "hub/registry/facts.hpp"

namespace hub::registry::testing {

// Facts whose record is `record_json`; every leaf gets the provenance of the partner that
// owns its section (person: dgsn, family: dgct, taxpayer: dgi, company: ompic).
Facts facts_with_provenance(const std::string& record_json, const std::string& partners_json);

// A person known to DGSN (and DGCT when family_json is not empty).
std::string person_record(const std::string& cnie, const std::string& last_name,
                          const std::string& first_name, const std::string& sex,
                          const std::string& birth_date, const std::string& family_json = "",
                          const std::string& taxpayer_json = "");

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
