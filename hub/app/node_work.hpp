// What a hub node does beside answering requests, coordinated with the other nodes sharing its
// store (docs/operations.md): the clock, the pace of calls to partners with a quota, and the
// background work that must run once across the nodes — the daily eligibility job, the events
// sweep and the bulk jobs' retention sweep, each under a lease in the store.
#pragma once

#include <memory>
#include <vector>

#include "hub/cluster/background.hpp"
#include "hub/cluster/daily_job.hpp"
#include "hub/cluster/partner_quota.hpp"
#include "hub/config/config.hpp"
#include "hub/events/inbox.hpp"
#include "hub/http/metrics.hpp"
#include "hub/http/pacer.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/registry.hpp"
#include "hub/store/store.hpp"

namespace hub::app {

class NodeWork {
 public:
  NodeWork(const config::HubConfig& config, store::Store& store, http::Metrics& metrics);
  ~NodeWork();
  NodeWork(const NodeWork&) = delete;
  NodeWork& operator=(const NodeWork&) = delete;

  // The system clock; in tests only, the clock ahead by testing.clock_offset_file's days.
  const registry::Clock& clock() const { return *clock_; }
  // How calls to this partner are paced: its quota shared through a PostgreSQL store, or null
  // (the client pool's own token bucket: one process, or no quota).
  std::shared_ptr<http::Pacer> pacer_for(const config::PartnerEndpoint& partner);
  // Starts the background thread (either may be null: that work is not done).
  void start(registry::Registry* registry, events::Inbox* events);
  // Stops it and the quota threads.
  void stop();

 private:
  void run_eligibility_job();
  void sweep_events();
  // Removes the jobs past jobs.retention_days, and the uploads abandoned half-way.
  void sweep_jobs();

  const config::HubConfig& config_;
  store::Store& store_;
  http::Metrics& metrics_;
  std::unique_ptr<registry::Clock> clock_;
  std::vector<std::shared_ptr<cluster::SharedQuota>> quotas_;
  std::unique_ptr<cluster::DailyJob> eligibility_;
  std::string eligibility_done_;  // the day this node last saw the job's run finished
  events::Inbox* events_ = nullptr;
  cluster::Background background_;
};

}  // namespace hub::app
