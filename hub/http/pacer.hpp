// The pace of requests towards a partner: a request waits for its turn before it is written, so
// that what reaches the partner stays within its quota. A process alone keeps a token bucket
// (make_token_bucket); hub nodes sharing a PostgreSQL store share the partner's quota through it
// (hub/cluster/partner_quota.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace hub::http {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Pacer() = default;
  // Completes when this request may be sent (true), or with false when its turn would come only
  // after `deadline`: the caller then fails it without sending (rate_limited/local_quota).
  virtual boost::asio::awaitable<bool> wait_turn(Clock::time_point deadline) = 0;
};

// A token bucket of `per_second` tokens a second holding `burst` at most (full at the start);
// each request takes one, queueing behind the ones before it when the bucket is empty.
std::shared_ptr<Pacer> make_token_bucket(double per_second, double burst);

}  // namespace hub::http
