// A partner's quota shared by every hub node of one store (docs/operations.md "Partner quotas"):
// the nodes lease slices of it — a few tokens at a time, each slice usable for a short time —
// from a sliding-window count kept in the store (store::Store::lease_quota), so that the calls
// of all nodes together never exceed the partner's rate in any one-second window, whatever the
// number of nodes, and a killed node's slice stops counting a window after it lapses.
//
// Node side: requests take tokens from the node's current slice without a store round trip; the
// request that finds none wakes the lease thread, which asks the store for the next slice
// (closing the previous one with what it used, in the same round trip) and waits meanwhile on a
// timer of its own executor, never blocking an I/O thread. A store that cannot be reached grants
// nothing: calls wait until their deadline and fail rate_limited/local_quota (fail closed).
//
// Priorities (http::Priority): on a node, an interactive call takes the slice's tokens before
// any bulk call; a bulk call takes one only while no interactive call waits. Between nodes, the
// slices asked for bulk calls alone leave `reserve` calls of every window to interactive calls.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/http/metrics.hpp"
#include "hub/http/pacer.hpp"
#include "hub/store/store.hpp"

namespace hub::cluster {

struct QuotaSettings {
  std::string partner;
  std::string node;                      // this node (node_id())
  std::int64_t per_second = 0;           // calls in any one-second window, all nodes together
  std::int64_t batch = 5;                // tokens asked for at a time
  std::chrono::milliseconds lease{500};  // how long a slice may be used
  // Calls of every window that bulk calls leave to the interactive ones, all nodes together:
  // a slice asked for bulk calls alone counts against per_second - reserve (at most
  // per_second - 1), so that an agent's call on any node finds the window open.
  std::int64_t reserve = 0;
};

class SharedQuota final : public http::Pacer {
 public:
  SharedQuota(store::Store& store, QuotaSettings settings, http::Metrics* metrics = nullptr);
  // stop(), if not done.
  ~SharedQuota() override;
  SharedQuota(const SharedQuota&) = delete;
  SharedQuota& operator=(const SharedQuota&) = delete;

  boost::asio::awaitable<bool> wait_turn(Clock::time_point deadline,
                                         http::Priority priority) override;
  // Stops the lease thread; waiting requests then wait until their deadline.
  void stop();

  struct Stats {
    std::uint64_t store_calls = 0;  // round trips to the store
    std::uint64_t granted = 0;      // tokens granted
    std::uint64_t used = 0;         // tokens used
    std::uint64_t full = 0;         // round trips that found the window full
    std::uint64_t errors = 0;       // round trips that failed
  };
  Stats stats() const;

 private:
  struct Waiter;
  struct Slice {
    std::int64_t id = 0;
    std::int64_t left = 0;
    std::int64_t used = 0;
    Clock::time_point asked_at{};
    Clock::time_point valid_until{};
    Clock::time_point last_use{};
  };

  bool take_locked(Clock::time_point now, http::Priority priority);
  // Wakes the waiting calls (they look at the slice again), on their own executors.
  void wake_locked();
  void run();
  store::QuotaRequest next_request_locked() const;
  void count(const char* outcome);

  store::Store& store_;
  const QuotaSettings settings_;
  http::Metrics* metrics_;
  mutable std::mutex mutex_;
  std::condition_variable demand_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
  std::size_t interactive_waiting_ = 0;
  Slice slice_;
  Stats stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hub::cluster
