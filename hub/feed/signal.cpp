#include "hub/feed/signal.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace hub::feed {

namespace asio = boost::asio;

std::uint64_t Signal::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void Signal::notify() {
  std::vector<std::shared_ptr<Channel>> woken;
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    woken.swap(waiters_);
  }
  for (auto& ch : woken) (void)ch->try_send(boost::system::error_code{});
}

asio::awaitable<void> Signal::wait(std::uint64_t generation, std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  auto ch = std::make_shared<Channel>(executor, 1);
  {
    std::lock_guard lock(mutex_);
    if (generation_ != generation) co_return;  // a commit came after the reader's read
    waiters_.push_back(ch);
  }
  asio::steady_timer timer(executor, timeout);
  (void)co_await (ch->async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
  std::lock_guard lock(mutex_);
  waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), ch), waiters_.end());
}

}  // namespace hub::feed
