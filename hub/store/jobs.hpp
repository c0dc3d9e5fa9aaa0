// Bulk prefill jobs as stored (migration 12; hub/jobs gives them their meaning, docs/jobs.md):
// a job, its items (one a line of the submitted file) and its errors counted by code.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace hub::store {

// A job's row. State: queued | running | done | cancelled | failed.
struct PrefillJob {
  std::string id;
  std::string owner;    // the principal that submitted it: the only one that sees it
  std::string purpose;  // IMMATRICULATION | AFFILIATION | AYANTS_DROIT | CONTROLE
  std::string kind;     // person (by CNIE) | employer (by ICE)
  std::string state = "queued";
  std::int64_t total = 0;  // items (lines with an identifier, valid or not)
  std::int64_t done = 0;   // items with a final result (an answer or an error)
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::map<std::string, std::int64_t> errors;  // {stable error code: items}
};

// One line of the file. State: pending (not asked yet) | asking (marked before it is asked:
// in flight) | done (result stored) | error (error stored, the identifier never asked or asked
// and refused).
struct PrefillJobItem {
  std::int64_t line = 0;   // 1-based line of the submitted file
  std::string identifier;  // the normalised CNIE or ICE; as given when it is invalid
  std::string state = "pending";
  int status = 0;      // the broker's HTTP status for the item (200, 404...); 0 before
  std::string error;   // the stable error code, "" when none
  std::string result;  // compact JSON (docs/jobs.md "Results"); "" before
};

}  // namespace hub::store
