// Wakes the feed's long-polling readers when this node commits a change (store::Store::
// on_feed_append). Thread-safe: notify() runs on the committing store thread, waits on the I/O
// threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hub::feed {

class Signal {
 public:
  // Counts the notifications: a reader takes it before it reads the store, and waits with it.
  std::uint64_t generation() const;
  // Wakes every waiter, and those that were about to wait with an older generation.
  void notify();
  // Returns after `timeout`, or sooner when notify() was called since `generation` was taken.
  boost::asio::awaitable<void> wait(std::uint64_t generation, std::chrono::milliseconds timeout);

 private:
  using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::vector<std::shared_ptr<Channel>> waiters_;
};

}  // namespace hub::feed
