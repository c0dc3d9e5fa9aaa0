// Operations endpoints: /healthz (alive), /readyz (configuration, store, exchange journal,
// partners), /metrics.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hub/audit/journal.hpp"
#include "hub/exchange/broker.hpp"
#include "hub/http/client.hpp"
#include "hub/http/metrics.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::api {

struct OpsState {
  http::Metrics* metrics = nullptr;
  store::Store* store = nullptr;
  const std::map<std::string, std::shared_ptr<http::ClientPool>>* partners = nullptr;
  // Circuit breakers by partner; also refreshes the breaker and cache gauges of /metrics.
  std::function<std::map<std::string, exchange::PartnerHealth>()> partner_states;
  // Where /readyz pings the store, off the I/O threads; null: where it is called.
  registry::StorePool* store_pool = nullptr;
  // The exchange journal's writer: /readyz is not ready unless it writes (null: no journal).
  const audit::Journal* journal = nullptr;
};

void add_ops_routes(http::Router& router, OpsState state);

}  // namespace hub::api
