// Who received which of a person's or an employer's data, when and why (issue 12, item 3;
// docs/audit.md "Disclosures", docs/openapi/disclosures.yaml), on the registration listener:
//   GET /v1/insured/{number}/disclosures          roles registration and insured_self
//   GET /v1/employers/{affiliation}/disclosures   role registration
// ?limit=N (default 100, at most 1000) of each list, newest first.
#pragma once

#include <string_view>

#include "hub/audit/journal.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

// The header in which a principal with the role `insured_self` (the insured's portal) names the
// insured person it acts for, by immatriculation: it reads that person's disclosures and no
// other's (403 not_own_record; 403 on_behalf_of_required without it). docs/partner-api.md,
// "The insured's portal".
inline constexpr std::string_view kOnBehalfOf = "X-On-Behalf-Of";

// `insured_self` is the role of a portal for the insured, which asks only about the person it
// has authenticated. Everything given must outlive the router.
void add_disclosure_routes(http::Router& router, registry::Registry& registry, store::Store& store,
                           audit::Journal& journal, registry::StorePool& pool,
                           const std::string& registration_role = "registration",
                           const std::string& insured_self_role = "insured_self");

}  // namespace hub::api
