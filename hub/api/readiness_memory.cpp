#include "hub/api/readiness_memory.hpp"

#include "hub/core/log.hpp"

namespace hub::api {

void ReadinessMemory::observe(const std::string& why_not) {
  std::lock_guard lock(mutex_);
  const bool ongoing = last_ && last_->to.empty();
  if (!why_not.empty() && !ongoing) {
    last_ = Episode{log::now_iso8601(), "", why_not};
    log::warn("not ready", {{"reason", why_not}});
  } else if (why_not.empty() && ongoing) {
    last_->to = log::now_iso8601();
    log::info("ready again", {{"was_not_ready_since", last_->from}, {"reason", last_->reason}});
  }
}

std::optional<ReadinessMemory::Episode> ReadinessMemory::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace hub::api
