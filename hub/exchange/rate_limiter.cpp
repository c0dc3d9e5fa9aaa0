#include "hub/exchange/rate_limiter.hpp"

namespace hub::exchange {

void RetryAfterGate::block_until(Clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (until > blocked_until_) blocked_until_ = until;
}

RetryAfterGate::Clock::duration RetryAfterGate::blocked_for(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return blocked_until_ > now ? blocked_until_ - now : Clock::duration::zero();
}

}  // namespace hub::exchange
