// The token bucket's two classes of calls (hub/http/pacer.hpp): a bulk job saturating the
// partner's rate while an agent's calls arrive. The agent's calls are served at once (the bulk
// ones never hold them back), the bulk calls get what the agent leaves, and the two together
// stay within the rate.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

#include "hub/http/pacer.hpp"

namespace hub::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = Pacer::Clock;

struct Turns {
  std::size_t bulk_turns = 0;
  std::size_t interactive_turns = 0;
  std::vector<Clock::duration> interactive_waits;
};

// `bulk` coroutines asking for bulk turns without pause until `length` has passed, and (when
// `interactive_every` is not zero) one interactive call every `interactive_every` meanwhile.
Turns drive(Pacer& pacer, int bulk, Clock::duration length, Clock::duration interactive_every) {
  asio::io_context ioc;
  Turns run;
  const auto until = Clock::now() + length;
  for (int i = 0; i < bulk; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          while (Clock::now() < until) {
            if (co_await pacer.wait_turn(std::min(until, Clock::now() + 1s), Priority::bulk)) {
              ++run.bulk_turns;
            }
          }
        },
        asio::detached);
  }
  if (interactive_every > Clock::duration::zero()) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer pause(ioc);
          while (Clock::now() + interactive_every < until) {
            pause.expires_after(interactive_every);
            co_await pause.async_wait(asio::use_awaitable);
            const auto asked = Clock::now();
            if (co_await pacer.wait_turn(asked + 2s, Priority::interactive)) {
              ++run.interactive_turns;
              run.interactive_waits.push_back(Clock::now() - asked);
            }
          }
        },
        asio::detached);
  }
  ioc.run();
  return run;
}

TEST(TokenBucket, ABulkJobAloneUsesThePartnersWholeRate) {
  auto bucket = make_token_bucket(40, 4, 2);
  const Turns run = drive(*bucket, 16, 2s, Clock::duration::zero());
  // 2 s at 40/s, plus what the bucket held at the start, less the reserve it keeps.
  EXPECT_GE(run.bulk_turns, 70u) << "a job alone is not held to a fixed share of the rate";
  EXPECT_LE(run.bulk_turns, 82u) << "never beyond the rate and the burst";
}

TEST(TokenBucket, AnAgentsCallsAreServedAtOnceWhileAJobSaturatesThePartner) {
  auto bucket = make_token_bucket(40, 4, 2);
  // 16 bulk callers asking without pause; an agent's call every 100 ms (10/s).
  const Turns run = drive(*bucket, 16, 3s, 100ms);
  ASSERT_GE(run.interactive_turns, 25u);
  const auto worst = *std::max_element(run.interactive_waits.begin(), run.interactive_waits.end());
  // One token's time is 25 ms: the reserve serves the agent without any wait, a loaded machine
  // may add a little. Without the classes, each call queued behind 16 bulk ones (about 400 ms).
  EXPECT_LT(worst, 60ms) << "an agent's call waited behind the job's";
  // The job gets what the agent leaves: 30/s of 40/s for 3 s, less the reserve.
  EXPECT_GE(run.bulk_turns, 75u) << "the job does not use what the agent leaves idle";
  EXPECT_LE(run.bulk_turns + run.interactive_turns, 3u * 40u + 4u) << "over the partner's rate";
}

TEST(TokenBucket, ABulkCallYieldsToAgentsThatTakeTheWholeRateAndFailsAtItsDeadline) {
  auto bucket = make_token_bucket(10, 1, 0);
  asio::io_context ioc;
  const auto until = Clock::now() + 1500ms;
  // Agents asking 10/s: the whole rate.
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        while (Clock::now() < until) {
          co_await bucket->wait_turn(Clock::now() + 2s, Priority::interactive);
        }
      },
      asio::detached);
  bool bulk = true;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(ioc, 200ms);
        co_await t.async_wait(asio::use_awaitable);
        bulk = co_await bucket->wait_turn(Clock::now() + 500ms, Priority::bulk);
      },
      asio::detached);
  ioc.run();
  EXPECT_FALSE(bulk) << "a bulk call took a token the agents were owed";
}

}  // namespace
}  // namespace hub::http
