// AMO Tadamon: the basic health insurance whose contributions the State pays for people who
// cannot pay them (law 65-00 on basic medical coverage, as amended by law 60-22). A person is
// eligible when their household, registered in the unified social register (RSU) that ANRC
// keeps, has a socio-economic index at or under the programme's threshold; ANRC states the
// result and CNSS does not recompute it (/work/shared/partners/anrc.md). The registry reads it
// from the "household" section (mappings/canonical/household.yaml: household_id, registered_on,
// index, index_date, members[], amo_tadamon{eligible, threshold, since}, updated_at). Internal to
// hub/registry; Registry::apply_eligibility_change (registry.hpp) applies ANRC's changes.
#pragma once

#include "hub/core/error.hpp"
#include "hub/registry/facts.hpp"
#include "hub/registry/json.hpp"

namespace hub::registry {

inline constexpr std::string_view kAmoTadamon = "AMO_TADAMON";
// The status_cause of a registration suspended because its household is no longer eligible: an
// eligibility that comes back reactivates only those.
inline constexpr std::string_view kNotEligibleCause = "amo_tadamon_not_eligible";

// The household at an AMO_TADAMON registration (a section ok or not_found): nothing when it is
// eligible; unprocessable/"not_eligible" when it is in no registered household, when its partner
// states no AMO Tadamon eligibility, or when it says not eligible. The message names the index,
// the threshold and the date; Error::details_json holds them as the partner gave them:
// {"programme", "partner", "household_id"?, "eligible"?, "index"?, "index_date"?, "threshold"?,
// "since"?}.
Result<void> check_household(const Section& household);

// Records on an insured registration /household: the household's id, index and index date, and
// its AMO Tadamon eligibility (eligible, threshold, since), each with the section's provenance.
void record_household(json::Doc& insured, const Section& household);

}  // namespace hub::registry
