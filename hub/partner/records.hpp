// The canonical records a partner resource is built from (mappings/canonical/affiliation.yaml,
// coverage.yaml), from the registry's own records. What a partner then sees of one is its
// agreement's field mask, then its reverse mapping (docs/partner-api.md).
#pragma once

#include <string>
#include <string_view>

#include "hub/registry/clock.hpp"

#include "hub/registry/json.hpp"

namespace hub::partner {

// An employer (Registry::employer's view) as a canonical `affiliation`: affiliation_number, ice,
// company_name, status (ACTIVE -> active, SUSPENDED -> suspended, CLOSED -> struck_off),
// affiliated_on, and declared_employees_last_month with its last_declaration_period only when
// that period is `last_month` ("yyyy-MM", the month before today, UTC): a figure declared for an
// earlier month is not "the number of declared employees last month" (shared/partners/dgi.md) and
// is left out (unknown), never served as last month's. The representatives and employees are not
// copied: no partner resource needs them.
std::string affiliation_record(const registry::json::Value& employer, std::string_view last_month);

// "yyyy-MM" of the month before the one of `today`.
std::string month_before(const registry::Date& today);

// A person's coverage (canonical `coverage`) from their insured registration
// (Registry::insured_by_cnie's view): insured, category, status, and AMO rights open while the
// registration is ACTIVE. Not insured: {"cnie", "insured": false, "amo_rights_open": false}.
std::string coverage_record(const std::string& cnie, const registry::json::Value* insured);

}  // namespace hub::partner
