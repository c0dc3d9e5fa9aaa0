// How long a partner's 429 closes the gate (hub/exchange/rate_limiter.hpp): Retry-After as
// delay-seconds or as an HTTP-date in each of its three forms (RFC 9110 sections 10.2.3, 5.6.7).
#include "hub/exchange/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace hub::exchange {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_days{2026y / 11 / 30} + 10h;

TEST(RetryAfter, DelaySecondsAndDatesAlike) {
  EXPECT_EQ(wait_asked("120", kNow), 120s);
  EXPECT_EQ(wait_asked("Mon, 30 Nov 2026 10:02:00 GMT", kNow), 120s);
  EXPECT_EQ(wait_asked("Monday, 30-Nov-26 10:02:00 GMT", kNow), 120s);
  EXPECT_EQ(wait_asked("Mon Nov 30 10:02:00 2026", kNow), 120s);
}

TEST(RetryAfter, APastDateMeansNow) {
  EXPECT_EQ(wait_asked("Mon, 30 Nov 2026 09:00:00 GMT", kNow), 0s);
  EXPECT_EQ(wait_asked("0", kNow), 0s);
}

TEST(RetryAfter, AbsentOrUnreadableIsOneSecondAndADayIsTheMost) {
  EXPECT_EQ(wait_asked("", kNow), 1s);
  EXPECT_EQ(wait_asked("in two minutes", kNow), 1s);
  EXPECT_EQ(wait_asked("Mon, 30 Nov 2026 10:02:00", kNow), 1s);  // no GMT: not an HTTP-date
  EXPECT_EQ(wait_asked("31536000", kNow), 24h);
  EXPECT_EQ(wait_asked("Tue, 30 Nov 2027 10:00:00 GMT", kNow), 24h);
}

TEST(RetryAfter, TheGateStaysClosedUntilThen) {
  RetryAfterGate gate;
  const auto t0 = RetryAfterGate::Clock::now();
  gate.block_until(t0 + wait_asked("Mon, 30 Nov 2026 10:02:00 GMT", kNow));
  EXPECT_EQ(duration_cast<seconds>(gate.blocked_for(t0)), 120s);
  EXPECT_GT(gate.blocked_for(t0 + 119s), 0s);
  EXPECT_EQ(gate.blocked_for(t0 + 120s), RetryAfterGate::Clock::duration::zero());
}

}  // namespace
}  // namespace hub::exchange
