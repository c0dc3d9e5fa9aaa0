// The pace of requests towards a partner: a request waits for its turn before it is written, so
// that what reaches the partner stays within its quota. A process alone keeps a token bucket
// (make_token_bucket); hub nodes sharing a PostgreSQL store share the partner's quota through it
// (hub/cluster/partner_quota.hpp).
//
// Two classes of calls share a partner's quota (issue 16, docs/jobs.md "Sharing the partners
// with the agents"): interactive calls (an agent's prefill) always have the partner's tokens
// first; bulk calls (a bulk prefill job's) take only the tokens the interactive calls leave, and
// never the reserve kept for them, so that an agent's call never queues behind a job's.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace hub::http {

enum class Priority {
  interactive,  // an agent's call: served first, queues only behind other interactive calls
  bulk,         // a bulk job's call: only what the interactive calls leave, never the reserve
};

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Pacer() = default;
  // Completes when this request may be sent (true), or with false when its turn would come only
  // after `deadline`: the caller then fails it without sending (rate_limited/local_quota).
  virtual boost::asio::awaitable<bool> wait_turn(Clock::time_point deadline, Priority priority) = 0;
};

// A token bucket of `per_second` tokens a second holding `burst` at most (full at the start);
// each request takes one. An interactive request queues behind the interactive ones before it
// when the bucket is empty (tokens go negative: each has its slot). A bulk request takes a token
// only when `reserve` tokens would remain after it and no interactive request is owed one; it
// waits otherwise, and is never owed a slot: an interactive request arriving meanwhile goes
// first. `reserve` is capped at burst - 1 (a bucket of one token keeps none: an interactive call
// then waits at most one token's time, 1/per_second, behind a bulk one).
std::shared_ptr<Pacer> make_token_bucket(double per_second, double burst, double reserve = 0);

}  // namespace hub::http
