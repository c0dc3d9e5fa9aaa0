// The daily job across nodes, on both engines: it runs once a day whichever nodes tick; a node
// that dies mid-run (its lease not renewed) is taken over once the lease lapses, from its last
// checkpoint; a new day runs again from the start.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "hub/cluster/daily_job.hpp"
#include "hub/registry/json.hpp"
#include "unit/store/engines.hpp"

namespace hub::cluster {
namespace {

using namespace std::chrono_literals;
namespace json = registry::json;

// Pages of work over the items "a".."l", three a page; records which items each node did.
struct Work {
  std::vector<std::string> items{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  std::vector<std::string> done;
  int die_after_pages = -1;  // stop answering (a SIGKILL) after this many pages

  DailyWork as_work() {
    return [this](const std::string& after, const Checkpoint& checkpoint) -> Result<int> {
      int pages = 0;
      for (std::size_t i = 0; i < items.size(); i += 3) {
        if (!after.empty() && items[i] <= after) continue;
        for (std::size_t k = i; k < std::min(i + 3, items.size()); ++k) done.push_back(items[k]);
        if (++pages == die_after_pages) {
          // Killed here (SIGKILL): no checkpoint of this page, no release, nothing more runs.
          throw std::runtime_error("killed");
        }
        if (!checkpoint(items[std::min(i + 2, items.size() - 1)])) break;
      }
      return static_cast<int>(done.size());
    };
  }
};

class DailyJobTest : public hub::testing::StoreOnEngine {
 protected:
  DailyJob job(const std::string& node, Work& work) {
    return DailyJob(*store_, clock_, {"eligibility", node, 300ms}, work.as_work());
  }

  // The events of the day's run record, by type.
  std::vector<std::string> run_events(const std::string& day) {
    auto events = store_->record_events("job-run/eligibility/" + day, INT64_MAX);
    EXPECT_TRUE(events);
    std::vector<std::string> out;
    for (const auto& e : *events) out.push_back(e.type);
    return out;
  }

  registry::FixedClock clock_{registry::Date{2026, 3, 2}};
};

TEST_P(DailyJobTest, RunsOnceADayWhicheverNodesTick) {
  Work a, b;
  auto on_a = job("node-a", a);
  auto on_b = job("node-b", b);
  auto first = on_a.tick();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(*first);
  EXPECT_TRUE((*first)->finished);
  EXPECT_EQ(a.done.size(), 12u);
  for (int i = 0; i < 3; ++i) {
    auto again = (i % 2 ? on_a : on_b).tick();
    ASSERT_TRUE(again && *again);
    EXPECT_TRUE((*again)->by_another) << "the day's run is done";
  }
  EXPECT_TRUE(b.done.empty());
  EXPECT_EQ(run_events("2026-03-02"), (std::vector<std::string>{"job.started", "job.finished"}));

  clock_.set(registry::Date{2026, 3, 3});
  auto next_day = on_b.tick();
  ASSERT_TRUE(next_day && *next_day);
  EXPECT_EQ((*next_day)->resumed_from, "") << "a new day starts from the first item";
  EXPECT_EQ(b.done.size(), 12u);
}

TEST_P(DailyJobTest, ANodeKilledMidRunIsTakenOverFromItsLastCheckpoint) {
  Work a, b;
  a.die_after_pages = 3;  // pages a-c and d-f checkpointed; g-i done, not checkpointed
  auto on_a = job("node-a", a);
  auto on_b = job("node-b", b);
  EXPECT_THROW((void)on_a.tick(), std::runtime_error) << "node-a dies";

  auto too_soon = on_b.tick();
  ASSERT_TRUE(too_soon);
  EXPECT_FALSE(*too_soon) << "node-a's lease has not lapsed yet";
  std::this_thread::sleep_for(400ms);

  auto taken = on_b.tick();
  ASSERT_TRUE(taken) << taken.error().message;
  ASSERT_TRUE(*taken);
  EXPECT_TRUE((*taken)->finished);
  EXPECT_EQ((*taken)->resumed_from, "f");
  EXPECT_EQ(b.done, (std::vector<std::string>{"g", "h", "i", "j", "k", "l"}))
      << "node-b continues after node-a's last checkpoint, doing again only the page cut short";
  EXPECT_EQ(run_events("2026-03-02"),
            (std::vector<std::string>{"job.started", "job.started", "job.finished"}));
  auto record = store_->read_record("job-run/eligibility/2026-03-02");
  ASSERT_TRUE(record && *record);
  auto finished = json::parse((*record)->state);
  EXPECT_EQ(json::text(*finished, "/owner"), "node-b");
}

INSTANTIATE_TEST_SUITE_P(Engines, DailyJobTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::cluster
