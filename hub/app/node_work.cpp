#include "hub/app/node_work.hpp"

#include <cmath>

#include "hub/cluster/lease.hpp"
#include "hub/cluster/offset_clock.hpp"
#include "hub/core/log.hpp"

namespace hub::app {
namespace {

// How often a node looks whether the day's job is to run, and how soon a dead holder's run is
// taken over (the lease's time to live; a page of 200 families takes well under it).
constexpr std::chrono::milliseconds kJobTick{1000};
constexpr std::chrono::milliseconds kJobTtl{10'000};
// The events sweep's lease: held for one sweep, and short so that a killed sweeper holds the
// others back only seconds. A sweep outliving it may overlap another node's, which costs only
// work: each event is still applied once, under its claim (hub/events/claim.hpp).
constexpr std::chrono::milliseconds kSweepTtl{5'000};
// A job still receiving its file that has stored nothing for this long lost its upload (the node
// died mid-file): the retention sweep removes it (docs/jobs.md "Retention").
constexpr std::int64_t kAbandonedUploadMs = 3'600'000;
// Jobs looked at, and items removed in one transaction, by a retention sweep.
constexpr std::size_t kJobsPerSweep = 100;
constexpr std::size_t kItemsPerRemoval = 50'000;

}  // namespace

NodeWork::NodeWork(const config::HubConfig& config, store::Store& store, http::Metrics& metrics)
    : config_(config), store_(store), metrics_(metrics) {
  if (config.testing_clock_offset_file.empty()) {
    clock_ = std::make_unique<registry::SystemClock>();
  } else {
    log::warn("TEST ONLY: the clock runs ahead by the days in testing.clock_offset_file",
              {{"file", config.testing_clock_offset_file}});
    auto clock = std::make_unique<cluster::OffsetClock>(config.testing_clock_offset_file);
    auto* c = clock.get();
    background_.every("clock", std::chrono::milliseconds(200), [c] { c->refresh(); });
    clock_ = std::move(clock);
  }
}

NodeWork::~NodeWork() {
  stop();
}

std::shared_ptr<http::Pacer> NodeWork::pacer_for(const config::PartnerEndpoint& p) {
  if (config_.store.engine != "postgresql" || p.rate_limit.per_second <= 0) return nullptr;
  cluster::QuotaSettings s;
  s.partner = p.name;
  s.node = cluster::node_id();
  // A fraction of a call a second is no quota a window can count: at least one.
  s.per_second = std::max<std::int64_t>(1, static_cast<std::int64_t>(p.rate_limit.per_second));
  s.batch = static_cast<std::int64_t>(p.rate_limit.batch);
  s.lease = p.rate_limit.lease;
  s.reserve = static_cast<std::int64_t>(std::ceil(config_.jobs.reserve * p.rate_limit.per_second));
  auto quota = std::make_shared<cluster::SharedQuota>(store_, s, &metrics_);
  quotas_.push_back(quota);
  return quota;
}

void NodeWork::start(registry::Registry* registry, events::Inbox* events) {
  if (registry != nullptr) {
    eligibility_ = std::make_unique<cluster::DailyJob>(
        store_, *clock_, cluster::DailyJobOptions{"eligibility", cluster::node_id(), kJobTtl},
        [registry](const std::string& after, const cluster::Checkpoint& checkpoint) {
          return registry->record_eligibility_changes(after, checkpoint);
        });
    background_.every("eligibility", kJobTick, [this] { run_eligibility_job(); });
  }
  events_ = events;
  if (events_ != nullptr) {
    background_.every("events", config_.events.retry_every, [this] { sweep_events(); });
  }
  background_.every("jobs-retention", config_.jobs.sweep, [this] { sweep_jobs(); });
  background_.start();
}

void NodeWork::stop() {
  background_.stop();
  for (auto& q : quotas_) q->stop();
}

void NodeWork::run_eligibility_job() {
  // Once this node has seen the day's run finished, it asks the store again only the next day.
  const std::string today = registry::format_date(clock_->today());
  if (eligibility_done_ == today) return;
  auto run = eligibility_->tick();
  if (!run) {
    log::error("eligibility job failed", {{"error", run.error().message}});
    return;
  }
  if (!*run) return;
  if ((*run)->finished) eligibility_done_ = (*run)->day;
  if ((*run)->by_another) return;
  log::info((*run)->finished ? "eligibility job done" : "eligibility job stopped",
            {{"day", (*run)->day},
             {"changes", std::to_string((*run)->changes)},
             {"resumed_from", (*run)->resumed_from}});
}

void NodeWork::sweep_events() {
  // Events recorded and not applied (their node died, or the store failed): one node sweeps at
  // a time, and each event is claimed before it is applied (events::Inbox).
  auto lease = cluster::Lease::take(store_, "job:events-sweep", cluster::node_id(), kSweepTtl);
  if (!lease || !*lease) return;
  auto applied = events_->apply_pending();
  if (!applied) {
    log::error("partner events not applied", {{"error", applied.error().message}});
  } else if (*applied > 0) {
    log::info("partner events applied", {{"events", std::to_string(*applied)}});
  }
  (void)(*lease)->release("");
}

void NodeWork::sweep_jobs() {
  // One node sweeps at a time; the lease is renewed after each transaction of a large job.
  auto lease = cluster::Lease::take(store_, "job:jobs-retention", cluster::node_id(), kSweepTtl);
  if (!lease || !*lease) return;
  const std::int64_t now = clock_->now_ms();
  const auto days = static_cast<std::int64_t>(config_.jobs.retention_days);
  auto expired =
      store_.expired_prefill_jobs(now - days * 86'400'000, now - kAbandonedUploadMs, kJobsPerSweep);
  if (!expired) {
    log::error("expired jobs not listed", {{"error", expired.error().message}});
    return;
  }
  std::size_t removed = 0;
  for (const auto& id : *expired) {
    for (bool gone = false; !gone;) {
      auto r = store_.remove_prefill_job(id, kItemsPerRemoval);
      if (!r) {
        log::error("expired job not removed", {{"job", id}, {"error", r.error().message}});
        return;
      }
      gone = *r;
      if (!(*lease)->checkpoint("")) return;  // lost: another node goes on
    }
    ++removed;
  }
  if (removed > 0) log::info("expired jobs removed", {{"jobs", std::to_string(removed)}});
  (void)(*lease)->release("");
}

}  // namespace hub::app
