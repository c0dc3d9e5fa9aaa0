// A circuit breaker per partner: it opens when too many of the last calls failed, refuses calls
// while open (the partner gets time to recover, the caller an immediate answer), then lets a few
// probe calls through (half-open) and closes when they succeed.
//
// What it counts (docs/exchange.md, "The breaker"): one sample per call, whatever its retries
// (the attempts of one call are one piece of evidence, not three); a failure is the partner
// failing (timeout, unavailable, malformed answer, TLS failure), never an answer about the
// identifier ("not found", an identifier or purpose refused, a 429); and the window keeps the
// latest outcome of each thing asked, so one bad identifier asked again and again counts once.
// A handful of bad identifiers thus cannot open it; an outage, failing for every identifier,
// opens it after `min_calls` calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"

namespace hub::exchange {

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  using Clock = std::chrono::steady_clock;

  // What /readyz says of the breaker.
  struct Report {
    State state = State::closed;
    // Open: the calls and failures in the window when it opened; otherwise the window's now.
    std::size_t calls = 0;
    std::size_t failures = 0;
    std::string last_failure;  // "timeout", "partner_unavailable (connect_refused)"; "" if none
    std::chrono::milliseconds retry_after{0};  // open: until probes are let through
  };

  explicit CircuitBreaker(config::BreakerSettings s) : s_(s) {}

  // Whether a call may go now. In half-open, only `half_open_probes` calls at a time.
  bool allow(Clock::time_point now = Clock::now());
  // The outcome of one call that allow() let through, its retries included. `key` names what
  // was asked (the identifier; "" when none: never merged); `failure` is empty when the partner
  // answered, else why it failed (a stable code, never a partner's message: /readyz shows it).
  void record(std::string_view key, std::string_view failure, Clock::time_point now = Clock::now());
  // A call that allow() let through but that was not made (the partner's Retry-After gate).
  void abandon();

  State state(Clock::time_point now = Clock::now());
  // While open: how long until probes are let through.
  std::chrono::milliseconds retry_after(Clock::time_point now = Clock::now());
  Report report(Clock::time_point now = Clock::now());

  static const char* name(State s);

 private:
  struct Sample {
    std::size_t key;  // a hash of what was asked; 0: none
    bool failed;
  };
  void open(Clock::time_point now);
  void add(Sample s);
  State state_locked(Clock::time_point now) const;
  std::chrono::milliseconds retry_after_locked(Clock::time_point now) const;

  config::BreakerSettings s_;
  std::mutex mutex_;
  State state_ = State::closed;
  std::deque<Sample> window_;
  std::size_t failures_ = 0;
  std::string last_failure_;
  Report opened_with_;  // the window when it last opened
  Clock::time_point opened_at_{};
  std::size_t probes_in_flight_ = 0;
};

}  // namespace hub::exchange
