#include "hub/exchange/rate_limiter.hpp"

#include <algorithm>

#include "hub/http/fields.hpp"

namespace hub::exchange {

std::chrono::seconds wait_asked(std::string_view retry_after,
                                std::chrono::system_clock::time_point now) {
  constexpr std::chrono::seconds kDefault{1}, kLongest{24 * 3600};
  const auto asked = http::retry_after(retry_after, now);
  return asked ? std::min(*asked, kLongest) : kDefault;
}

void RetryAfterGate::block_until(Clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (until > blocked_until_) blocked_until_ = until;
}

RetryAfterGate::Clock::duration RetryAfterGate::blocked_for(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return blocked_until_ > now ? blocked_until_ - now : Clock::duration::zero();
}

}  // namespace hub::exchange
