// The canonical records a partner resource or a change-feed resource is built from
// (mappings/canonical/affiliation.yaml, coverage.yaml, person.yaml, registration.yaml), from the
// registry's own records (their shapes: docs/registration.md, "Records, events and history"). What
// a partner then sees of one is its agreement's field mask, then its reverse mapping
// (docs/partner-api.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hub/registry/clock.hpp"

#include "hub/registry/json.hpp"

namespace hub::partner {

// An employer (Registry::employer's view) as a canonical `affiliation`: affiliation_number, ice,
// company_name, status (ACTIVE -> active, SUSPENDED -> suspended, CLOSED -> struck_off),
// status_since, status_reason, affiliated_on, agency, and declared_employees_last_month with its
// last_declaration_period only when that period is `last_month` ("yyyy-MM", the month before
// today, UTC): a figure declared for an earlier month is not "the number of declared employees
// last month" (shared/partners/dgi.md) and is left out (unknown), never served as last month's.
// An empty `last_month` keeps the figure whatever its period: the change feed carries it with its
// period. The representatives and employees are not
// copied: no partner resource needs them.
std::string affiliation_record(const registry::json::Value& employer, std::string_view last_month);

// "yyyy-MM" of the month before the one of `today`.
std::string month_before(const registry::Date& today);

// A person's coverage (canonical `coverage`) from their insured registration
// (Registry::insured_by_cnie's view): insured, category, status, and AMO rights open while the
// registration is ACTIVE. Not insured: {"cnie", "insured": false, "amo_rights_open": false}.
std::string coverage_record(const std::string& cnie, const registry::json::Value* insured);

// A registry record of the change feed (`kind`: person, insured, family, employer; its state as
// stored) as the canonical entity of the feed resource of the same name (hub/agreements/mask.hpp):
// a person's `person` member; an insured registration's own fields (immatriculation, cnie,
// category, status..., rib, contact; not its copies of partner sections, prefill and
// provenance); a family's immatriculation, holder_cnie and members as an array, each with its
// member_id; an employer as affiliation_record(). nullopt for another kind, or a state that is
// not a JSON object.
std::optional<std::string> feed_record(std::string_view kind, std::string_view state_json);

}  // namespace hub::partner
