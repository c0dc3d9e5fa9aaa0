// Periodic jobs one node of a cluster runs (journal retention, the change feed's pruning), on both
// engines: this node keeps its turn while another node's lease is held, takes it once that lease
// has lapsed, and keeps it at each later run.
#include <gtest/gtest.h>

#include <thread>

#include "hub/cluster/lease.hpp"
#include "unit/store/engines.hpp"

namespace hub::cluster {
namespace {

using namespace std::chrono_literals;

class JobTurnTest : public hub::testing::StoreOnEngine {};

TEST_P(JobTurnTest, ANodeRunsThePeriodicJobOnlyWhenNoOtherHoldsItsTurn) {
  auto other = Lease::take(*store_, "job:journal-retention", "another-node", 400ms);
  ASSERT_TRUE(other && *other);
  EXPECT_FALSE(Lease::turn(*store_, "job:journal-retention", 10s)) << "two nodes pruning";
  EXPECT_TRUE(Lease::turn(*store_, "job:feed-prune", 10s)) << "a job of another name";
  std::this_thread::sleep_for(600ms);  // the other node died: its turn lapses
  EXPECT_TRUE(Lease::turn(*store_, "job:journal-retention", 10s));
  EXPECT_TRUE(Lease::turn(*store_, "job:journal-retention", 10s)) << "this node keeps its turn";
  auto again = Lease::take(*store_, "job:journal-retention", "another-node", 400ms);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "the turn this node holds was taken by another";
}

INSTANTIATE_TEST_SUITE_P(Engines, JobTurnTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::cluster
