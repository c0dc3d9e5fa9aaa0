// Who received what about a person or an employer, when and why (issue 12, item 3; docs/audit.md,
// "Disclosures"): the partners' pulls under their agreements (the disclosures index) and the
// hub's own exchanges with partners about the same identifier (the exchange journal), both found
// by the identifier's keyed hash. Entries past retention are gone from both.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "hub/audit/journal.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::partner {

struct Subject {
  std::string kind;        // "insured" or "employer"
  std::string id;          // the immatriculation or affiliation number
  std::string identifier;  // what partners and exchanges name it by: the CNIE or the ICE
};

// {"subject": {"kind", "id", "identifier_masked"},
//  "disclosures": [{"time", "recipient", "agreement", "purpose", "resource", "fields": [...],
//                   "outcome", "correlation_id", "job"? (a bulk prefill job's row)}],
//  "exchanges": [{"time", "partner", "operation", "purpose", "principal", "outcome",
//                 "correlation_id", "seq"}]}, newest first, at most `limit` of each.
Result<std::string> disclosures_json(store::Store& store, const audit::Journal& journal,
                                     const Subject& subject, std::size_t limit);

// Removes the disclosure index rows older than now - retention (0: keeps them). The number
// removed. The journal's own entries are pruned by audit retention (hub/audit/retention.hpp).
Result<std::int64_t> prune_disclosures(store::Store& store,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::milliseconds retention);

}  // namespace hub::partner
