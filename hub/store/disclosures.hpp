// The disclosures index (docs/audit.md, "Disclosures"): one row for each answer the hub served a
// partner under an agreement, or kept in a bulk prefill job's results, found by the keyed hash of
// the person's or company's identifier. The exchange journal holds the same disclosure as a hashed,
// chained entry; this index adds what the journal's fixed columns do not name (the agreement, the
// resource and the fields served) and is what GET /v1/insured/{number}/disclosures reads. Retention
// prunes its rows outright: the journal's chain and tree never include them.
#pragma once

#include <cstdint>
#include <string>

namespace hub::store {

struct Disclosure {
  std::int64_t id = 0;       // assigned by the store, ascending
  std::int64_t time_ms = 0;  // UTC, milliseconds since the Unix epoch
  // HMAC-SHA256 of the identifier asked about, hex, keyed with the journal's key (so that the
  // journal's own entries about the same identifier are found with the same hash).
  std::string subject_hmac;
  std::string identifier_masked;  // "00****66"
  std::string principal;          // the partner that received the answer
  std::string agreement;
  std::string purpose;
  std::string resource;  // "affiliation_attestation", "coverage"
  std::string fields;    // the canonical paths served, comma-separated, sorted ("" when none)
  std::string outcome;   // "served" or "not_found"
  std::string correlation_id;
  // The bulk prefill job whose result holds the answer (docs/jobs.md "Disclosures"); "" for a
  // partner's pull. A job's row: principal = the job's owner, agreement "", resource
  // "prefill_job" (migration 13).
  std::string job;
};

}  // namespace hub::store
