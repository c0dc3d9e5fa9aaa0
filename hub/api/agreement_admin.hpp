// GET/PUT /admin/v1/agreements and GET /admin/v1/agreements/history (role admin, issue 12 item
// 5; docs/openapi/admin-agreements.yaml): the access agreements every node serves, replaced as a
// whole under If-Match, validated against the principals and the canonical model, with their
// history.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/http/router.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::api {

struct AgreementAdmin {
  store::Store* store = nullptr;
  registry::StorePool* pool = nullptr;
  const std::vector<config::Principal>* principals = nullptr;
  const mapping::Catalog* mappings = nullptr;  // the canonical model of its current snapshot
  const registry::Clock* clock = nullptr;
};

void add_agreement_admin_routes(http::Router& router, AgreementAdmin admin,
                                const std::string& admin_role = "admin");

}  // namespace hub::api
