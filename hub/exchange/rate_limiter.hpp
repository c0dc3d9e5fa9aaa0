// A partner's own Retry-After closes the gate towards it until then. (The pace of requests, a
// token bucket, is kept by the connection pool where requests are written: hub/http/client.)
#pragma once

#include <chrono>
#include <mutex>

namespace hub::exchange {

class RetryAfterGate {
 public:
  using Clock = std::chrono::steady_clock;
  // The partner said Retry-After: no call before `until`.
  void block_until(Clock::time_point until);
  // Remaining time of a partner-imposed block (zero when none).
  Clock::duration blocked_for(Clock::time_point now = Clock::now());

 private:
  std::mutex mutex_;
  Clock::time_point blocked_until_{};
};

}  // namespace hub::exchange
