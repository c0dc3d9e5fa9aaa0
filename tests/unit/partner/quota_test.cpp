// An agreement's quota over the store's shared counter, on both engines: the requests of one
// second and the identifiers of one day are counted, across every node of the store (two Quotas
// objects stand for two nodes); the request over either answers rate_limited/quota_exceeded with
// a Retry-After that says when the window frees; a batch larger than the whole day is too large.
#include <gtest/gtest.h>

#include "hub/partner/quota.hpp"
#include "unit/store/engines.hpp"

namespace {
using hub::Errc;
using hub::agreements::Agreement;
using hub::partner::Quotas;

Agreement with_quota(double per_second, std::uint64_t per_day) {
  Agreement a;
  a.name = "dgi_attestation";
  a.quota.per_second = per_second;
  a.quota.per_day = per_day;
  return a;
}

class AgreementQuota : public hub::testing::StoreOnEngine {};

TEST_P(AgreementQuota, PerDayAcrossNodes) {
  Quotas node_a(*store_, "node-a"), node_b(*store_, "node-b");
  const auto a = with_quota(1000, 5);
  ASSERT_TRUE(node_a.take(a, 2));
  ASSERT_TRUE(node_b.take(a, 2));
  // One left today, whichever node asks; then none.
  auto over = node_b.take(a, 2);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::rate_limited);
  EXPECT_EQ(over.error().detail, "quota_exceeded");
  EXPECT_NE(over.error().message.find("per day"), std::string::npos) << over.error().message;
  EXPECT_GT(over.error().retry_after.count(), 3600) << "the day's window frees in about a day";
  EXPECT_TRUE(node_a.take(a, 1));
  EXPECT_FALSE(node_a.take(a, 1));
  EXPECT_FALSE(node_b.take(a, 1));
}

TEST_P(AgreementQuota, PerSecondWithRetryAfter) {
  Quotas node(*store_, "node-a");
  const auto a = with_quota(3, 1'000'000);
  int granted = 0;
  hub::Error last;
  for (int i = 0; i < 10; ++i) {
    if (auto r = node.take(a, 1); r) {
      ++granted;
    } else {
      last = r.error();
    }
  }
  // Ten requests in well under a second (two windows at most): three a window.
  EXPECT_GE(granted, 3);
  EXPECT_LE(granted, 6);
  EXPECT_EQ(last.detail, "quota_exceeded");
  EXPECT_NE(last.message.find("per second"), std::string::npos) << last.message;
  // When the oldest slice of the window leaves it: within its lease (0.5 s) and a second.
  EXPECT_GE(last.retry_after.count(), 1);
  EXPECT_LE(last.retry_after.count(), 2);
}

// A batch larger than the whole day could never be served: too large (413), not rate-limited,
// and nothing taken from either window; a batch of the whole day passes.
TEST_P(AgreementQuota, ABatchLargerThanTheDayIsRefusedAsTooLarge) {
  Quotas node(*store_, "node-a");
  const auto a = with_quota(1, 100);
  auto r = node.take(a, 101);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::payload_too_large);
  EXPECT_EQ(r.error().detail, "batch_exceeds_daily_quota");
  EXPECT_EQ(r.error().retry_after.count(), 0);
  EXPECT_EQ(r.error().details_json, R"({"identifiers":101,"per_day":100,"max_batch":100})");
  EXPECT_NE(r.error().message.find("at most 100"), std::string::npos) << r.error().message;
  // The second's one request is still there, and the whole day.
  EXPECT_TRUE(node.take(a, 100));
}

INSTANTIATE_TEST_SUITE_P(Engines, AgreementQuota, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(QuotaWindows, BelowOnePerSecond) {
  const auto w = Quotas::per_second(0.5);
  EXPECT_EQ(w.per_window, 1);
  EXPECT_EQ(w.window_ms, 2000);
  EXPECT_EQ(Quotas::per_second(50).per_window, 50);
  EXPECT_EQ(Quotas::per_day(200000).batch, 200);
}

}  // namespace
