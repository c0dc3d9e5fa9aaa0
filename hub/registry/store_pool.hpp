// Store calls run on threads of their own, not on the I/O threads. A slow database (a lock held,
// a checkpoint, a network hiccup to PostgreSQL) then holds up only the requests that wait for
// it, never the handshakes, the prefill answers from cache or the health checks that the I/O
// threads serve meanwhile.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <functional>
#include <utility>

namespace hub::registry {

class StorePool {
 public:
  explicit StorePool(std::size_t threads) : pool_(threads) {}
  // Waits for the calls under way; what they answer is handed to their executors, which must
  // still exist (the I/O context outlives the pool).
  ~StorePool() { pool_.join(); }
  StorePool(const StorePool&) = delete;
  StorePool& operator=(const StorePool&) = delete;

  // Runs f on the pool; the awaiting coroutine resumes on its own executor with f's result.
  template <class T>
  boost::asio::awaitable<T> run(std::function<T()> f) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
        [this](auto handler, std::function<T()> work) {
          // The awaiting side counts as work for its context while the call runs here.
          auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                          boost::asio::execution::outstanding_work.tracked);
          boost::asio::post(pool_, [handler = std::move(handler), work = std::move(work),
                                    home = std::move(home)]() mutable {
            T result = work();
            boost::asio::post(home,
                              [handler = std::move(handler), result = std::move(result)]() mutable {
                                std::move(handler)(std::move(result));
                              });
          });
        },
        boost::asio::use_awaitable, std::move(f));
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace hub::registry
