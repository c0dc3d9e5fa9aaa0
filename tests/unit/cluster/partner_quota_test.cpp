// A partner's quota shared by three nodes (three SharedQuota on one store, each with its own
// lease thread, as three hub processes would have): requests from all of them together never
// exceed the quota in any one-second window, the quota is mostly used, and a node that stops
// without closing its slice holds the others back for a second and a half at most.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

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
                if (co_await node->wait_turn(std::min(until, Clock::now() + 500ms))) {
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

INSTANTIATE_TEST_SUITE_P(Engines, SharedQuotaTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::cluster
