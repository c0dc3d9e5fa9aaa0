#include "hub/cluster/partner_quota.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "hub/core/log.hpp"

namespace hub::cluster {
namespace asio = boost::asio;
using Clock = http::Pacer::Clock;

namespace {
// A full window is asked again when its first slice leaves it, after this long at most.
constexpr std::chrono::milliseconds kRetryMax{250};
constexpr std::chrono::milliseconds kErrorPause{200};
}  // namespace

struct SharedQuota::Waiter {
  Waiter(const asio::any_io_executor& ex, http::Priority p) : timer(ex), priority(p) {}
  asio::steady_timer timer;
  http::Priority priority;
};

SharedQuota::SharedQuota(store::Store& store, QuotaSettings settings, http::Metrics* metrics)
    : store_(store), settings_(std::move(settings)), metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

SharedQuota::~SharedQuota() {
  stop();
}

void SharedQuota::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  demand_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SharedQuota::Stats SharedQuota::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool SharedQuota::take_locked(Clock::time_point now, http::Priority priority) {
  if (slice_.left <= 0 || now >= slice_.valid_until) return false;
  if (priority == http::Priority::bulk && interactive_waiting_ > 0) return false;
  --slice_.left;
  ++slice_.used;
  ++stats_.used;
  slice_.last_use = now;
  return true;
}

asio::awaitable<bool> SharedQuota::wait_turn(Clock::time_point deadline, http::Priority priority) {
  auto ex = co_await asio::this_coro::executor;
  const bool interactive = priority == http::Priority::interactive;
  for (;;) {
    auto waiter = std::make_shared<Waiter>(ex, priority);
    {
      std::lock_guard lock(mutex_);
      const auto now = Clock::now();
      if (take_locked(now, priority)) co_return true;
      if (now >= deadline) co_return false;
      waiter->timer.expires_at(deadline);
      waiters_.push_back(waiter);
      interactive_waiting_ += interactive ? 1 : 0;
    }
    demand_.notify_one();
    // Ends when the lease thread brings a slice (it cancels the timer), when the last
    // interactive call waiting leaves tokens to the bulk ones, or at the deadline.
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    std::erase(waiters_, waiter);
    interactive_waiting_ -= interactive ? 1 : 0;
    const bool taken = take_locked(Clock::now(), priority);
    // The last interactive call waiting has gone: the bulk ones may take what it left.
    if (interactive && interactive_waiting_ == 0 && slice_.left > 0) wake_locked();
    if (taken) co_return true;
    if (Clock::now() >= deadline) co_return false;
  }
}

void SharedQuota::wake_locked() {
  for (const auto& w : waiters_) {
    // The timer belongs to the waiter's executor: cancelled there, never from this thread.
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  }
}

store::QuotaRequest SharedQuota::next_request_locked() const {
  store::QuotaRequest q;
  q.partner = settings_.partner;
  q.node = settings_.node;
  // Bulk calls alone leave the reserve of the window to the interactive calls of every node.
  q.per_window = interactive_waiting_ > 0
                     ? settings_.per_second
                     : std::max<std::int64_t>(1, settings_.per_second - settings_.reserve);
  q.window_ms = 1000;
  q.want = std::clamp<std::int64_t>(
      std::max<std::int64_t>(settings_.batch, static_cast<std::int64_t>(waiters_.size())), 1,
      settings_.per_second);
  q.lease_ms = settings_.lease.count();
  if (slice_.id > 0) {
    // The previous slice, closed: its tokens used, and when the last was used, measured from
    // when it was asked for (the store granted it after that: an upper bound).
    q.close_id = slice_.id;
    q.close_used = slice_.used;
    q.close_after_ms =
        slice_.used == 0
            ? 0
            : std::chrono::ceil<std::chrono::milliseconds>(slice_.last_use - slice_.asked_at)
                      .count() +
                  1;
  }
  return q;
}

void SharedQuota::count(const char* outcome) {
  if (metrics_ == nullptr) return;
  metrics_->increment("cnss_partner_quota_leases_total",
                      "Round trips to the store for a slice of a partner's shared quota, by "
                      "outcome (granted, full, error)",
                      {{"partner", settings_.partner}, {"outcome", outcome}});
}

void SharedQuota::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    demand_.wait(lock, [&] {
      return stopping_ ||
             (!waiters_.empty() && (slice_.left <= 0 || Clock::now() >= slice_.valid_until));
    });
    if (stopping_) break;
    const auto request = next_request_locked();
    const auto asked_at = Clock::now();
    ++stats_.store_calls;
    lock.unlock();
    auto grant = store_.lease_quota(request);
    lock.lock();
    if (!grant) {
      ++stats_.errors;
      count("error");
      log::warn("partner quota: no slice from the store; calls wait",
                {{"partner", settings_.partner}, {"error", grant.error().message}});
      demand_.wait_for(lock, kErrorPause, [&] { return stopping_; });
      continue;
    }
    // The previous slice is closed in the store: from now on, this one.
    slice_ = Slice{grant->id,
                   grant->tokens,
                   0,
                   asked_at,
                   asked_at + std::chrono::milliseconds(grant->lease_ms),
                   asked_at};
    if (grant->tokens == 0) {
      ++stats_.full;
      count("full");
      slice_.id = 0;
      demand_.wait_for(lock, std::min(kRetryMax, std::chrono::milliseconds(grant->retry_in_ms)),
                       [&] { return stopping_; });
      continue;
    }
    stats_.granted += static_cast<std::uint64_t>(grant->tokens);
    count("granted");
    wake_locked();
  }
}

}  // namespace hub::cluster
