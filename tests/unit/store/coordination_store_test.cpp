// What hub nodes coordinate through the store, on both engines: a lease has one holder at a time
// and passes on with its progress once it lapses; a partner's quota is granted in slices that
// never add up to more than the window allows, and a slice closed early frees what it did not use.
#include <gtest/gtest.h>

#include <thread>

#include "unit/store/engines.hpp"

namespace hub::store {
namespace {

using namespace std::chrono_literals;

class CoordinationStoreTest : public hub::testing::StoreOnEngine {
 protected:
  QuotaGrant lease(const std::string& node, std::int64_t want, std::int64_t close_id = 0,
                   std::int64_t used = 0) {
    QuotaRequest q;
    q.partner = "dgi";
    q.node = node;
    q.per_window = 10;
    q.want = want;
    q.lease_ms = 500;
    q.close_id = close_id;
    q.close_used = used;
    auto g = store_->lease_quota(q);
    EXPECT_TRUE(g) << g.error().message;
    return g ? *g : QuotaGrant{};
  }
};

TEST_P(CoordinationStoreTest, ALeaseHasOneHolderUntilItLapsesThenPassesOnWithItsProgress) {
  auto a = store_->acquire_lease("job:eligibility", "node-a", 300);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->held);
  EXPECT_EQ(a->fence, 1);
  EXPECT_EQ(a->progress, "");
  ASSERT_TRUE(store_->renew_lease("job:eligibility", "node-a", 1, 300, R"({"after":"family/7"})"));

  auto b = store_->acquire_lease("job:eligibility", "node-b", 300);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->held) << "node-a's lease has not lapsed";
  EXPECT_EQ(b->holder, "node-a");
  EXPECT_GT(b->expires_in_ms, 0);

  std::this_thread::sleep_for(400ms);  // node-a stopped renewing: it died
  b = store_->acquire_lease("job:eligibility", "node-b", 300);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->held);
  EXPECT_EQ(b->fence, 2) << "a new holder";
  EXPECT_EQ(b->progress, R"({"after":"family/7"})") << "where node-a stopped";

  auto late = store_->renew_lease("job:eligibility", "node-a", 1, 300, "{}");
  ASSERT_FALSE(late) << "node-a came back after its lease passed on";
  EXPECT_EQ(late.error().detail, kLeaseLost);
}

TEST_P(CoordinationStoreTest, AReleasedLeaseIsFreeAtOnceAndKeepsItsProgressAForgottenOneNot) {
  ASSERT_TRUE(store_->acquire_lease("job:x", "node-a", 60'000)->held);
  ASSERT_TRUE(store_->release_lease("job:x", "node-a", 1, "done-2026-01-01"));
  auto b = store_->acquire_lease("job:x", "node-b", 60'000);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->held) << "released: no need to wait for the ttl";
  EXPECT_EQ(b->progress, "done-2026-01-01");

  ASSERT_TRUE(store_->release_lease("job:x", "node-b", b->fence, "", true));
  auto c = store_->acquire_lease("job:x", "node-c", 60'000);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->held);
  EXPECT_EQ(c->fence, 1) << "forgotten: a new lease";
  // A release by someone who no longer holds it changes nothing.
  ASSERT_TRUE(store_->release_lease("job:x", "node-a", 1, "stale"));
  EXPECT_FALSE(store_->acquire_lease("job:x", "node-d", 60'000)->held);
}

TEST_P(CoordinationStoreTest, QuotaSlicesNeverAddUpToMoreThanTheWindow) {
  const auto a = lease("node-a", 6);
  const auto b = lease("node-b", 6);
  const auto c = lease("node-c", 6);
  EXPECT_EQ(a.tokens, 6);
  EXPECT_EQ(b.tokens, 4) << "what is left of the window";
  EXPECT_EQ(c.tokens, 0);
  EXPECT_GT(c.retry_in_ms, 0);
  EXPECT_LE(c.retry_in_ms, 1500 + 1) << "a slice leaves the window a second after it lapses";

  // node-a used 2 of its 6 at once: closing its slice frees the other 4.
  const auto a2 = lease("node-a", 6, a.id, 2);
  EXPECT_EQ(a2.tokens, 4);
  // A slice that lapses stops counting one window later.
  std::this_thread::sleep_for(1600ms);
  EXPECT_EQ(lease("node-c", 20).tokens, 10);
}

TEST_P(CoordinationStoreTest, EachPartnerHasItsOwnWindow) {
  EXPECT_EQ(lease("node-a", 10).tokens, 10);
  QuotaRequest q;
  q.partner = "anrc";
  q.node = "node-a";
  q.per_window = 3;
  q.want = 5;
  auto g = store_->lease_quota(q);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tokens, 3);
}

INSTANTIATE_TEST_SUITE_P(Engines, CoordinationStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
