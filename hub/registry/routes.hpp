// The registration API (/v1/insured, /v1/employers, families, histories) over a Registry.
// docs/openapi/registration.yaml describes it.
#pragma once

#include <string>

#include "hub/http/router.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::registry {

struct RouteRoles {
  std::string registration = "registration";  // every registration route
  std::string override_role = "override";     // may contradict a partner, with a reason
  std::string admin = "admin";                // runs the daily eligibility job on demand
};

// The registry and the pool its store calls run on must outlive the router.
void add_registration_routes(http::Router& router, Registry& registry, StorePool& pool,
                             RouteRoles roles = {});

}  // namespace hub::registry
