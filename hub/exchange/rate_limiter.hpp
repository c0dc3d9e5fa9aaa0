// The pace at which the hub may call one partner: a token bucket (DGI: 50 per second, bursts of
// 100), and the partner's own Retry-After, which closes the gate until then.
#pragma once

#include <chrono>
#include <mutex>

#include "hub/config/config.hpp"

namespace hub::exchange {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(config::RateSettings s);

  // Takes a token; returns how long the caller must wait before it may call (zero: now). A
  // caller that will not wait that long must give the token back with refund().
  Clock::duration reserve(Clock::time_point now = Clock::now());
  void refund();
  // The partner said Retry-After: no call before `until`.
  void block_until(Clock::time_point until);
  // Remaining time of a partner-imposed block (zero when none).
  Clock::duration blocked_for(Clock::time_point now = Clock::now());

 private:
  config::RateSettings s_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point last_;
  Clock::time_point blocked_until_{};
};

}  // namespace hub::exchange
