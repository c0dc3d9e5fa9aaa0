// A partner's quota shared by three nodes (three SharedQuota on one store, each with its own
// lease thread, as three hub processes would have): requests from all of them together never
// exceed the quota in any one-second window, the quota is mostly used, and a node that stops
// without closing its slice holds the others back for a second and a half at most.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "hub/cluster/partner_quota.hpp"
#include "unit/store/engines.hpp"

namespace hub::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The largest number of times in any window of one second.
std::size_t peak_per_second(std::vector<Clock::time_point> times) {
  std::sort(times.begin(), times.end());
  std::size_t peak = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    while (times[i] - times[first] >= 1s) ++first;
    peak = std::max(peak, i - first + 1);
  }
  return peak;
}

class SharedQuotaTest : public hub::testing::StoreOnEngine {
 protected:
  QuotaSettings settings(const std::string& node) {
    QuotaSettings s;
    s.partner = "dgi";
    s.node = node;
    s.per_second = 20;
    s.batch = 3;
    s.lease = 300ms;
    return s;
  }

  // `callers` coroutines per node asking for turns until `until`; the times of the turns given.
  std::vector<Clock::time_point> hammer(std::vector<std::shared_ptr<SharedQuota>>& nodes,
                                        Clock::time_point until, int callers = 4) {
    asio::io_context ioc;
    std::mutex mutex;
    std::vector<Clock::time_point> turns;
    for (auto& node : nodes) {
      for (int i = 0; i < callers; ++i) {
        asio::co_spawn(
            ioc,
            [&, node]() -> asio::awaitable<void> {
              while (Clock::now() < until) {
                if (co_await node->wait_turn(std::min(until, Clock::now() + 500ms),
                                             http::Priority::interactive)) {
                  std::lock_guard lock(mutex);
                  turns.push_back(Clock::now());
                }
              }
            },
            asio::detached);
      }
    }
    std::thread second([&] { ioc.run(); });
    ioc.run();
    second.join();
    return turns;
  }
};

TEST_P(SharedQuotaTest, ThreeNodesTogetherStayWithinTheQuotaInEveryWindowAndUseMostOfIt) {
  std::vector<std::shared_ptr<SharedQuota>> nodes;
  for (const char* n : {"node-a", "node-b", "node-c"}) {
    nodes.push_back(std::make_shared<SharedQuota>(*store_, settings(n)));
  }
  const auto start = Clock::now();
  const auto turns = hammer(nodes, start + 3s);
  const auto peak = peak_per_second(turns);
  EXPECT_LE(peak, 20u) << "three nodes together went over the quota";
  // Three seconds at 20 a second is 60; slices held by a node that was not asking at that moment
  // waste some (docs/operations.md: the trade-off).
  EXPECT_GE(turns.size(), 40u) << "the shared quota wastes too much";
  std::uint64_t granting = 0;
  for (auto& n : nodes) granting += n->stats().store_calls - n->stats().full;
  EXPECT_LT(granting, turns.size() / 2) << "a round trip to the store per call: no batching";
}

TEST_P(SharedQuotaTest, ADeadNodesSliceStopsCountingWithinTwoSeconds) {
  // node-a takes the whole window and dies without closing its slice.
  store::QuotaRequest q;
  q.partner = "dgi";
  q.node = "node-a";
  q.per_window = 20;
  q.want = 20;
  q.lease_ms = 300;
  ASSERT_EQ(store_->lease_quota(q)->tokens, 20);
  std::vector<std::shared_ptr<SharedQuota>> nodes{
      std::make_shared<SharedQuota>(*store_, settings("node-b"))};
  const auto start = Clock::now();
  const auto turns = hammer(nodes, start + 2500ms, 1);
  ASSERT_FALSE(turns.empty()) << "node-a's dead slice kept the quota for ever";
  const auto first = turns.front() - start;
  EXPECT_GE(first, 1200ms) << "node-a's slice could still be in use: it must count";
  EXPECT_LE(first, 2000ms);
}

// node-a runs a bulk job asking without pause; node-b's agents ask four times a second. The
// agents' calls are served within a store round trip or two (the bulk slices leave `reserve` of
// every window), the job gets the rest, and both nodes together stay within the quota.
TEST_P(SharedQuotaTest, AnAgentOnOneNodeIsServedPromptlyWhileAJobOnAnotherSaturatesTheQuota) {
  auto bulk_settings = settings("node-a");
  bulk_settings.reserve = 4;
  auto agent_settings = settings("node-b");
  agent_settings.reserve = 4;
  auto bulk_node = std::make_shared<SharedQuota>(*store_, bulk_settings);
  auto agent_node = std::make_shared<SharedQuota>(*store_, agent_settings);
  asio::io_context ioc;
  const auto until = Clock::now() + 4s;
  std::vector<Clock::time_point> bulk_turns, agent_turns;
  std::vector<Clock::duration> agent_waits;
  for (int i = 0; i < 8; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          while (Clock::now() < until) {
            if (co_await bulk_node->wait_turn(std::min(until, Clock::now() + 500ms),
                                              http::Priority::bulk)) {
              bulk_turns.push_back(Clock::now());
            }
          }
        },
        asio::detached);
  }
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(ioc);
        while (Clock::now() + 250ms < until) {
          pause.expires_after(250ms);
          co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
          const auto asked = Clock::now();
          if (co_await agent_node->wait_turn(asked + 2s, http::Priority::interactive)) {
            agent_turns.push_back(Clock::now());
            agent_waits.push_back(Clock::now() - asked);
          }
        }
      },
      asio::detached);
  ioc.run();
  ASSERT_GE(agent_turns.size(), 12u);
  const auto worst = *std::max_element(agent_waits.begin(), agent_waits.end());
  // Without the reserve, the job's slices fill every window and an agent's call waits for one
  // of them to leave it (up to a second).
  EXPECT_LT(worst, 300ms) << "an agent's call waited behind the job on another node";
  std::vector<Clock::time_point> all = bulk_turns;
  all.insert(all.end(), agent_turns.begin(), agent_turns.end());
  EXPECT_LE(peak_per_second(all), 20u) << "the two nodes together went over the quota";
  // 4 s at 20/s less the agents' 4/s is 64; the reserve and the slices' leases waste some.
  EXPECT_GE(bulk_turns.size(), 35u) << "the job does not use what the agents leave";
}

INSTANTIATE_TEST_SUITE_P(Engines, SharedQuotaTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::cluster
