#include "hub/http/pacer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <mutex>
#include <optional>

namespace hub::http {
namespace {
namespace asio = boost::asio;
using Clock = Pacer::Clock;

class TokenBucket final : public Pacer {
 public:
  TokenBucket(double per_second, double burst)
      : per_second_(per_second), burst_(burst), tokens_(burst) {}

  asio::awaitable<bool> wait_turn(Clock::time_point deadline) override {
    const auto wait = reserve(deadline);
    if (!wait) co_return false;
    if (*wait > Clock::duration::zero()) {
      asio::steady_timer t(co_await asio::this_coro::executor, *wait);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return true;
  }

 private:
  // How long this request must wait for its slot; nullopt when that is past the deadline.
  // Tokens may go negative: each sender queues behind the ones before it.
  std::optional<Clock::duration> reserve(Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - at_).count() * per_second_);
    at_ = now;
    const auto wait = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(tokens_ >= 1 ? 0.0 : (1 - tokens_) / per_second_));
    if (now + wait >= deadline) return std::nullopt;
    tokens_ -= 1;
    return wait;
  }

  const double per_second_;
  const double burst_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point at_ = Clock::now();
};

}  // namespace

std::shared_ptr<Pacer> make_token_bucket(double per_second, double burst) {
  return std::make_shared<TokenBucket>(per_second, std::max(burst, 1.0));
}

}  // namespace hub::http
