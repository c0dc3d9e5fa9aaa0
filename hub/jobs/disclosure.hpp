// What a bulk job disclosed about one person or employer (docs/jobs.md "Disclosures"): the row of
// the disclosures index (hub/store/disclosures.hpp) that the item's result is recorded with, in
// the same transaction, so that the person finds it in GET /v1/insured/{number}/disclosures
// (docs/audit.md "Disclosures"): who (the job's owner), when, why (the job's purpose) and the job.
#pragma once

#include <cstdint>
#include <string>

#include "hub/audit/journal.hpp"
#include "hub/store/disclosures.hpp"
#include "hub/store/jobs.hpp"

namespace hub::jobs {

struct JobOfItem {
  std::string id;
  std::string owner;
  std::string purpose;
};

// The row for an item's recorded result: "served" with the record's fields for status 200,
// "not_found" for 404; for any other result (nothing about the person was fetched) a row with no
// subject_hmac, which the store skips. `time_ms`: UTC milliseconds since the Unix epoch.
store::Disclosure disclosure_of(const JobOfItem& job, const store::PrefillJobItem& item,
                                const std::string& correlation_id, const audit::Journal& journal,
                                std::int64_t time_ms);

// The paths of the record's values in a result ({"record": {...}}), dot-separated, sorted,
// comma-separated (an array is one path): "address.city,identity.last_name". "" when none.
std::string record_fields(const std::string& result);

}  // namespace hub::jobs
