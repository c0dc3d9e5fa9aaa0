#include "hub/workbench/follower.hpp"

#include "hub/core/log.hpp"
#include "hub/workbench/published.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::workbench {

Follower::Follower(store::Store& store, mapping::Catalog& catalog, std::filesystem::path base,
                   std::chrono::milliseconds interval)
    : store_(store), catalog_(catalog), base_(std::move(base)), interval_(interval) {}

Follower::~Follower() {
  stop();
}

Result<bool> Follower::poll_once() {
  auto version = set_version(store_);
  if (!version) return version.error();
  if (*version == seen_) return false;
  auto set = compile_published(store_, base_);
  if (!set) return set.error();
  seen_ = set->set_version;
  if (!set->report.ok()) {
    const auto& d = set->report.diagnostics;
    return make_error(Errc::internal,
                      "the published mappings (set version " + std::to_string(set->set_version) +
                          ") do not compile or fail their cases: " +
                          (d.empty() ? std::string("unknown") : d.front().str()),
                      "mappings_invalid");
  }
  catalog_.serve(set->report.snapshot);
  std::lock_guard lock(mutex_);
  served_ = std::move(set->versions);
  return true;
}

void Follower::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_);
      if (stopping_) break;
      lock.unlock();
      auto r = poll_once();
      if (!r) {
        log::error("published mappings not loaded: the previous set keeps serving",
                   {{"error", r.error().message}});
      } else if (*r) {
        log::info("published mappings loaded", {{"mappings", std::to_string(served().size())}});
      }
      lock.lock();
    }
  });
}

void Follower::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, std::int64_t> Follower::served() const {
  std::lock_guard lock(mutex_);
  return served_;
}

}  // namespace hub::workbench
