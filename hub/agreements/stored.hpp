// The agreements as every hub node serves them: one record stream in the store ("agreements"),
// whose state is the whole set as JSON (the shape of the `agreements:` section) and whose events
// are its history (seeded from the configuration, then each administrator's replacement, with who,
// when and why). Both engines; no schema of its own (hub/store/records.hpp).
#pragma once

#include "hub/agreements/agreement.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/mapping/canonical.hpp"
#include "hub/store/store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hub::agreements {

inline constexpr const char* kStream = "agreements";

struct AgreementSet {
  std::int64_t version = 0;  // the stream's version: PUT's If-Match
  std::vector<Agreement> agreements;
  std::string json;  // the set as stored: {"name": {...}, ...}
};

// The set as JSON, in the shape parse_agreements() reads back.
std::string to_json(const std::vector<Agreement>& agreements);

// Who changes the set, and why (kept in its history).
struct Change {
  std::string principal;
  std::string reason;
  std::string correlation_id;
  std::int64_t time_ms = 0;
};

// The stored set; on the very first start, `seed` (the configuration's agreements) is stored
// first, as event "agreements.seeded". Another node seeding at the same time is not an error: its
// set is read back.
Result<AgreementSet> load_or_seed(store::Store& store, const std::vector<Agreement>& seed,
                                  const std::vector<config::Principal>& principals,
                                  const Change& change);

// The set a stored state holds (read_record(kStream)); internal/invalid_stored_agreements when it
// names a principal the configuration no longer has (none of it is served then).
Result<AgreementSet> from_state(const store::RecordState& state,
                                const std::vector<config::Principal>& principals);

// Replaces the whole set with `body` (JSON or YAML) when it is valid against the principals and
// the canonical model and the stored version is still `expected_version`. Errors: invalid_input
// "invalid_agreements" (details: every problem, line:column and key path), conflict
// "stale_version".
Result<AgreementSet> replace(store::Store& store, const std::string& body,
                             std::int64_t expected_version,
                             const std::vector<config::Principal>& principals,
                             const mapping::CanonicalModel& model, const Change& change);

// Every version of the set, oldest first (event type, who, when, why, and the set as data).
Result<std::vector<store::RecordEvent>> history(store::Store& store);

}  // namespace hub::agreements
