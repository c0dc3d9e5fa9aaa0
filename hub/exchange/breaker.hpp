// A circuit breaker per partner: it opens when too many of the last calls failed, refuses calls
// while open (the partner gets time to recover, the caller an immediate answer), then lets a few
// probe calls through (half-open) and closes when they succeed.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include "hub/config/config.hpp"

namespace hub::exchange {

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  using Clock = std::chrono::steady_clock;

  explicit CircuitBreaker(config::BreakerSettings s) : s_(s) {}

  // Whether a call may go now. In half-open, only `half_open_probes` calls at a time.
  bool allow(Clock::time_point now = Clock::now());
  // The outcome of a call that allow() let through: failure means the partner is unhealthy
  // (timeout, unavailable, malformed answer, TLS failure), not a "not found".
  void record(bool failure, Clock::time_point now = Clock::now());

  State state(Clock::time_point now = Clock::now());
  // While open: how long until probes are let through.
  std::chrono::milliseconds retry_after(Clock::time_point now = Clock::now());

  static const char* name(State s);

 private:
  void open(Clock::time_point now);
  config::BreakerSettings s_;
  std::mutex mutex_;
  State state_ = State::closed;
  std::deque<bool> window_;  // true: failed
  std::size_t failures_ = 0;
  Clock::time_point opened_at_{};
  std::size_t probes_in_flight_ = 0;
};

}  // namespace hub::exchange
