// A partner's own Retry-After closes the gate towards it until then. (The pace of requests, a
// token bucket, is kept by the connection pool where requests are written: hub/http/client.)
#pragma once

#include <chrono>
#include <mutex>
#include <string_view>

namespace hub::exchange {

// How long a partner's 429 asks the hub to wait, from its Retry-After value (RFC 9110 section
// 10.2.3: delay-seconds, or an HTTP-date in any of its three forms; a date already past means
// now, zero). No Retry-After, or one that does not parse: 1 s, so that a partner that asked to
// slow down is not asked again at once. At most a day: a partner's clock or typo cannot close the
// gate for longer.
std::chrono::seconds wait_asked(std::string_view retry_after,
                                std::chrono::system_clock::time_point now);

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
