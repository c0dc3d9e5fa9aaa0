// The broker's building blocks in isolation: the circuit breaker's states and the answer cache's
// bounds (entries, bytes, staleness).
#include <gtest/gtest.h>

#include "hub/exchange/breaker.hpp"
#include "hub/exchange/cache.hpp"

namespace {
using hub::exchange::AnswerCache;
using hub::exchange::CircuitBreaker;
using hub::exchange::MappedAnswer;
using namespace std::chrono_literals;

hub::config::BreakerSettings settings() {
  hub::config::BreakerSettings s;
  s.failure_ratio = 0.5;
  s.window = 10;
  s.min_calls = 4;
  s.open_for = 1000ms;
  s.half_open_probes = 1;
  return s;
}

// Distinct identifiers, as an outage fails them all: "id0", "id1"...
std::string id(int i) {
  return "id" + std::to_string(i);
}

// min_calls distinct calls time out: the breaker opens at t0.
void open_by_timeouts(CircuitBreaker& b, CircuitBreaker::Clock::time_point t0) {
  for (int i = 0; i < 4; ++i) {
    b.allow(t0);
    b.record(id(i), "timeout", t0);
  }
}

TEST(CircuitBreaker, OpensOnTheFailureRatioThenProbesAndCloses) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(b.allow(t0));
    b.record(id(i), "timeout", t0);
  }
  EXPECT_EQ(b.state(t0), CircuitBreaker::State::closed) << "3 calls are fewer than min_calls";
  ASSERT_TRUE(b.allow(t0));
  b.record(id(3), "", t0);
  EXPECT_EQ(b.state(t0), CircuitBreaker::State::open) << "3 failures out of 4";
  EXPECT_FALSE(b.allow(t0 + 500ms));
  EXPECT_EQ(b.retry_after(t0 + 400ms), 600ms);
  // After open_for: one probe at a time.
  EXPECT_TRUE(b.allow(t0 + 1001ms));
  EXPECT_FALSE(b.allow(t0 + 1002ms));
  b.record(id(4), "", t0 + 1003ms);
  EXPECT_EQ(b.state(t0 + 1003ms), CircuitBreaker::State::closed);
  EXPECT_TRUE(b.allow(t0 + 1004ms));
}

TEST(CircuitBreaker, AFailedProbeOpensAgain) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  open_by_timeouts(b, t0);
  ASSERT_TRUE(b.allow(t0 + 1100ms));
  b.record(id(9), "partner_unavailable", t0 + 1100ms);
  EXPECT_EQ(b.state(t0 + 1100ms), CircuitBreaker::State::open);
  EXPECT_FALSE(b.allow(t0 + 1500ms));
  const auto r = b.report(t0 + 1500ms);
  EXPECT_EQ(r.failures, 1u) << "the probe";
  EXPECT_EQ(r.last_failure, "partner_unavailable");
}

TEST(CircuitBreaker, HealthyAnswersKeepItClosed) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  for (int i = 0; i < 100; ++i) {
    b.allow(t0);
    b.record(id(i), i % 4 == 0 ? "timeout" : "", t0);  // a quarter fail: under the ratio
  }
  EXPECT_EQ(b.state(t0), CircuitBreaker::State::closed);
}

TEST(CircuitBreaker, OneIdentifierFailingAgainAndAgainCountsOnce) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(b.allow(t0));
    b.record("BK100999", "partner_unavailable", t0);
    b.allow(t0);
    b.record("BK100998", "malformed_response (xml_truncated)", t0);
  }
  EXPECT_EQ(b.state(t0), CircuitBreaker::State::closed) << "2 distinct calls, under min_calls";
  auto r = b.report(t0);
  EXPECT_EQ(r.calls, 2u);
  EXPECT_EQ(r.failures, 2u);
  EXPECT_EQ(r.last_failure, "malformed_response (xml_truncated)");
  // The identifier's latest outcome is the one kept: answered now, it no longer counts.
  b.allow(t0);
  b.record("BK100999", "", t0);
  EXPECT_EQ(b.report(t0).failures, 1u);
}

TEST(CircuitBreaker, CallsWithoutAnIdentifierAreNeverMerged) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  for (int i = 0; i < 4; ++i) {
    b.allow(t0);
    b.record("", "timeout", t0);
  }
  EXPECT_EQ(b.state(t0), CircuitBreaker::State::open);
}

TEST(CircuitBreaker, ReportSaysWhyItOpened) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  auto r = b.report(t0);
  EXPECT_EQ(r.state, CircuitBreaker::State::closed);
  EXPECT_EQ(r.last_failure, "");
  for (int i = 0; i < 4; ++i) {
    b.allow(t0);
    b.record(id(i), i == 0 ? "" : "partner_unavailable (connect_refused)", t0);
  }
  r = b.report(t0 + 200ms);
  EXPECT_EQ(r.state, CircuitBreaker::State::open);
  EXPECT_EQ(r.calls, 4u);
  EXPECT_EQ(r.failures, 3u);
  EXPECT_EQ(r.last_failure, "partner_unavailable (connect_refused)");
  EXPECT_EQ(r.retry_after, 800ms);
}

TEST(CircuitBreaker, AnAbandonedProbeFreesItsPlace) {
  CircuitBreaker b(settings());
  const auto t0 = CircuitBreaker::Clock::now();
  open_by_timeouts(b, t0);
  ASSERT_TRUE(b.allow(t0 + 1100ms));
  EXPECT_FALSE(b.allow(t0 + 1100ms)) << "one probe at a time";
  b.abandon();  // the partner's Retry-After kept it from being made
  EXPECT_TRUE(b.allow(t0 + 1101ms));
}

std::shared_ptr<const MappedAnswer> answer(std::size_t size) {
  auto a = std::make_shared<MappedAnswer>();
  a->record_json = std::string(size, 'x');
  return a;
}

TEST(AnswerCache, FreshThenStaleThenGone) {
  AnswerCache c(100, 1 << 20);
  const auto t0 = AnswerCache::Clock::now();
  c.put("k", answer(10), 10s, 60s, t0);
  auto h = c.get("k", t0 + 5s);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->fresh);
  h = c.get("k", t0 + 30s);
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->fresh) << "expired but within the grace: stale";
  EXPECT_FALSE(c.get("k", t0 + 71s)) << "past the grace";
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(AnswerCache, BoundedInEntriesLeastRecentlyUsedOut) {
  AnswerCache c(2, 1 << 20);
  const auto t0 = AnswerCache::Clock::now();
  c.put("a", answer(10), 60s, 0s, t0);
  c.put("b", answer(10), 60s, 0s, t0);
  ASSERT_TRUE(c.get("a", t0));  // a is now the most recent
  c.put("c", answer(10), 60s, 0s, t0);
  EXPECT_TRUE(c.get("a", t0));
  EXPECT_FALSE(c.get("b", t0));
  EXPECT_TRUE(c.get("c", t0));
}

TEST(AnswerCache, BoundedInBytes) {
  AnswerCache c(1000, 100'000);
  const auto t0 = AnswerCache::Clock::now();
  for (int i = 0; i < 100; ++i) c.put("k" + std::to_string(i), answer(5'000), 60s, 0s, t0);
  EXPECT_LE(c.bytes(), 100'000u);
  EXPECT_GE(c.size(), 15u);
  EXPECT_LE(c.size(), 20u);
  EXPECT_TRUE(c.get("k99", t0));
  EXPECT_FALSE(c.get("k0", t0));
}

}  // namespace
