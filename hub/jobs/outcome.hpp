// What a bulk job keeps of one prefill (docs/jobs.md "Results"): the normalised record, its
// provenance grouped by source (the broker's ?provenance=compact form), the conflicts when there
// are any, each partner's status in one word and the correlation id that finds the exchanges in
// the journal. The partners' timings and the full provenance are left out: a job of a million
// people keeps a million of these.
#pragma once

#include <optional>
#include <string>

#include "hub/exchange/broker.hpp"
#include "hub/store/jobs.hpp"

namespace hub::jobs {

// The item's result, or nullopt when the prefill did not come to an answer the job may keep (no
// partner answered for a reason that passes: 429, 503, the journal unavailable), so that the
// item is asked again later. 200: state done with the compact result; 404 (every partner said
// not found) and any other final status: state error with the stable code.
std::optional<store::PrefillJobItem> outcome_of(const store::PrefillJobItem& asked,
                                                const exchange::PrefillResult& r);

// The compact result of a 200 answer's body ({"record", "provenance" (compact), "conflicts",
// "partners", "correlation_id"}): a JSON object, "" when the body cannot be read.
std::string compact_result(const std::string& body);

// One line of GET /v1/jobs/{id}/results: {"line", "cnie" | "ice", "status", then the result's
// members, or "error"}; no newline.
std::string result_line(const store::PrefillJobItem& item, const std::string& kind);

}  // namespace hub::jobs
