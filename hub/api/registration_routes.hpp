// The registration API over a Registry: insured persons (/v1/insured), persons (/v1/persons),
// families and beneficiaries, employers (/v1/employers), histories, and the daily eligibility
// job on demand. docs/openapi/registration.yaml describes it; registration_http.hpp is how each
// route turns the registry's outcomes and errors into HTTP.
#pragma once

#include <string>

#include "hub/http/router.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

struct RegistrationRoles {
  std::string registration = "registration";  // every registration route
  std::string override_role = "override";     // may contradict a partner, with a reason
  std::string admin = "admin";                // runs the daily eligibility job on demand
};

// The registry and the pool its store calls run on must outlive the router.
void add_registration_routes(http::Router& router, registry::Registry& registry,
                             registry::StorePool& pool, RegistrationRoles roles = {});

}  // namespace hub::api
