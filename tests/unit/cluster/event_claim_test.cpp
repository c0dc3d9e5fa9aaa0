// An event recorded in the inbox is applied once across the nodes: not while another node holds
// its claim, not once it is no longer "recorded" at the version read, and after a dead node's
// claim lapses.
#include <gtest/gtest.h>

#include <thread>

#include "hub/events/claim.hpp"
#include "unit/store/engines.hpp"

namespace hub::events {
namespace {

const std::string kStream = "partner-event/dgct/E-1";

class EventClaimTest : public hub::testing::StoreOnEngine {
 protected:
  void SetUp() override {
    StoreOnEngine::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(store_->commit_records(write(0, "recorded")));
  }

  store::RecordCommit write(std::int64_t expected, const std::string& label) {
    store::StreamWrite w;
    w.stream = kStream;
    w.kind = "partner_event";
    w.expected_version = expected;
    store::RecordEvent e;
    e.type = "partner_event." + label;
    w.events.push_back(e);
    w.state = R"({"status":")" + label + "\"}";
    w.label = label;
    store::RecordCommit c;
    c.writes.push_back(w);
    return c;
  }

  int applications_ = 0;
  std::function<void()> apply_ = [this] { ++applications_; };
};

TEST_P(EventClaimTest, NotAppliedWhileAnotherNodeHoldsItsClaim) {
  auto other = store_->acquire_lease("event:" + kStream, "node-a", kClaimTtl.count());
  ASSERT_TRUE(other && other->held);
  EXPECT_EQ(apply_claimed(*store_, "node-b", kStream, 1, apply_), Claimed::elsewhere);
  EXPECT_EQ(applications_, 0);
  ASSERT_TRUE(store_->release_lease("event:" + kStream, "node-a", other->fence, "", true));
  EXPECT_EQ(apply_claimed(*store_, "node-b", kStream, 1, apply_), Claimed::applied);
  EXPECT_EQ(applications_, 1);
}

TEST_P(EventClaimTest, NotAppliedAgainOnceSettled) {
  ASSERT_TRUE(store_->commit_records(write(1, "applied")));
  // node-b listed the event at version 1 before node-a applied it.
  EXPECT_EQ(apply_claimed(*store_, "node-b", kStream, 1, apply_), Claimed::settled);
  EXPECT_EQ(applications_, 0);
}

TEST_P(EventClaimTest, ADeadNodesClaimLapses) {
  // A claim with a short life left behind by a node killed mid-application.
  ASSERT_TRUE(store_->acquire_lease("event:" + kStream, "node-a", 200)->held);
  EXPECT_EQ(apply_claimed(*store_, "node-b", kStream, 1, apply_), Claimed::elsewhere);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(apply_claimed(*store_, "node-b", kStream, 1, apply_), Claimed::applied);
  EXPECT_EQ(applications_, 1);
  // The claim is gone with the work: nothing is left behind per event.
  auto again = store_->acquire_lease("event:" + kStream, "node-c", 1000);
  EXPECT_EQ(again->fence, 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, EventClaimTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::events
