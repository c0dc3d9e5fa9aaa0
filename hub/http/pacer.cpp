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

// The longest a bulk request sleeps before it looks at the bucket again: interactive requests
// may have taken the tokens it was waiting for, or left more than it expected.
constexpr std::chrono::milliseconds kBulkRecheck{100};

class TokenBucket final : public Pacer {
 public:
  TokenBucket(double per_second, double burst, double reserve)
      : per_second_(per_second),
        burst_(burst),
        reserve_(std::clamp(reserve, 0.0, burst - 1)),
        tokens_(burst) {}

  asio::awaitable<bool> wait_turn(Clock::time_point deadline, Priority priority) override {
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
      const auto step = priority == Priority::bulk ? try_bulk(deadline) : reserve(deadline);
      if (!step) co_return false;
      if (step->taken && step->wait <= Clock::duration::zero()) co_return true;
      asio::steady_timer t(ex, step->wait);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      if (step->taken) co_return true;
    }
  }

 private:
  struct Step {
    bool taken = false;  // the token is this request's: send after `wait`
    Clock::duration wait{};
  };

  void refill_locked(Clock::time_point now) {
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - at_).count() * per_second_);
    at_ = now;
  }

  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  // An interactive request's slot: how long it waits for it; nullopt when that is past the
  // deadline. Tokens may go negative: each sender queues behind the ones before it.
  std::optional<Step> reserve(Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    refill_locked(now);
    const auto wait = seconds(tokens_ >= 1 ? 0.0 : (1 - tokens_) / per_second_);
    if (now + wait >= deadline) return std::nullopt;
    tokens_ -= 1;
    return Step{true, wait};
  }

  // A bulk request: its token at once when one is free beyond the reserve, else how long to
  // sleep before looking again (never owed a slot); nullopt when the deadline has come.
  std::optional<Step> try_bulk(Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    refill_locked(now);
    if (tokens_ >= 1 + reserve_) {
      tokens_ -= 1;
      return Step{true, Clock::duration::zero()};
    }
    const auto until_free = seconds((1 + reserve_ - tokens_) / per_second_);
    if (now + until_free >= deadline) return std::nullopt;
    return Step{false, std::min<Clock::duration>(until_free, kBulkRecheck)};
  }

  const double per_second_;
  const double burst_;
  const double reserve_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point at_ = Clock::now();
};

}  // namespace

std::shared_ptr<Pacer> make_token_bucket(double per_second, double burst, double reserve) {
  return std::make_shared<TokenBucket>(per_second, std::max(burst, 1.0), reserve);
}

}  // namespace hub::http
