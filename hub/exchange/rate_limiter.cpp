#include "hub/exchange/rate_limiter.hpp"

namespace hub::exchange {

RateLimiter::RateLimiter(config::RateSettings s) : s_(s), tokens_(s.burst), last_(Clock::now()) {}

RateLimiter::Clock::duration RateLimiter::reserve(Clock::time_point now) {
  if (s_.per_second <= 0) return Clock::duration::zero();
  std::lock_guard lock(mutex_);
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(s_.burst, tokens_ + elapsed * s_.per_second);
  // Tokens may go negative: each caller queues behind the ones before it, so a burst is spread
  // at the configured pace instead of all being refused.
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / s_.per_second));
}

void RateLimiter::refund() {
  if (s_.per_second <= 0) return;
  std::lock_guard lock(mutex_);
  tokens_ = std::min(s_.burst, tokens_ + 1);
}

void RateLimiter::block_until(Clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (until > blocked_until_) blocked_until_ = until;
}

RateLimiter::Clock::duration RateLimiter::blocked_for(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return blocked_until_ > now ? blocked_until_ - now : Clock::duration::zero();
}

}  // namespace hub::exchange
