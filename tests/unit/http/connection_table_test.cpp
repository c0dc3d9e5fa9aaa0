// The admission rules of one listener's connections: budgets per listener and per address,
// eviction of the oldest idle pre-handshake connection, and the counts after each step.
#include <gtest/gtest.h>

#include "hub/http/connection_table.hpp"

namespace {
using hub::http::Closable;
using hub::http::ConnectionLimits;
using hub::http::ConnectionTable;

struct Fake : Closable {
  std::string closed_because;
  void close_soon(std::string_view why) override { closed_because = why; }
};

ConnectionLimits limits(std::size_t total, std::size_t pre, std::size_t per_address,
                        std::size_t pre_per_address) {
  return {total, pre, per_address, pre_per_address, std::chrono::milliseconds(1000)};
}

using Phase = ConnectionTable::Phase;

struct Admitted {
  std::shared_ptr<Fake> connection = std::make_shared<Fake>();
  ConnectionTable::Admission admission;
};

Admitted admit(ConnectionTable& t, const std::string& address, Phase phase = Phase::idle) {
  Admitted a;
  a.admission = t.admit(address, a.connection, phase);
  return a;
}

TEST(ConnectionTable, AFullPreHandshakeBudgetEvictsTheOldestIdleConnection) {
  ConnectionTable t(limits(100, 3, 100, 100));
  auto first = admit(t, "10.0.0.1");
  auto second = admit(t, "10.0.0.2");
  auto third = admit(t, "10.0.0.3");
  t.progress(first.admission.id, Phase::handshaking);
  auto fourth = admit(t, "10.0.0.4");
  ASSERT_NE(fourth.admission.id, 0u);
  EXPECT_EQ(fourth.admission.evicted, second.connection);
  EXPECT_EQ(fourth.admission.evicted_reason, "idle_pre_handshake");
  EXPECT_EQ(t.pre_handshake(), 3u);
  EXPECT_EQ(t.open(), 3u);
  // The evicted one ends later: counted once.
  EXPECT_FALSE(t.established(second.admission.id, {}));
  t.remove(second.admission.id);
  EXPECT_EQ(t.open(), 3u);
}

TEST(ConnectionTable, AnIncompleteClientHelloGoesBeforeAHandshakeUnderWay) {
  ConnectionTable t(limits(100, 2, 100, 100));
  auto handshaking = admit(t, "10.0.0.1", Phase::handshaking);
  auto partial = admit(t, "10.0.0.2", Phase::partial_hello);
  auto next = admit(t, "10.0.0.3", Phase::partial_hello);
  EXPECT_EQ(next.admission.evicted, partial.connection);
  EXPECT_EQ(next.admission.evicted_reason, "partial_client_hello");
  // With nothing else left to evict, the oldest handshake goes.
  t.progress(next.admission.id, Phase::handshaking);
  auto last = admit(t, "10.0.0.4", Phase::handshaking);
  EXPECT_EQ(last.admission.evicted, handshaking.connection);
  EXPECT_EQ(last.admission.evicted_reason, "stalled_handshake");
}

TEST(ConnectionTable, AClientWithItsClientHelloInOutlivesAFloodThatStalls) {
  // The flood sends a few bytes of a record and stops; the client's whole ClientHello had
  // arrived when its connection was accepted.
  ConnectionTable t(limits(100, 3, 100, 100));
  admit(t, "10.0.0.1", Phase::partial_hello);
  auto client = admit(t, "10.0.0.2", Phase::handshaking);
  for (int i = 0; i < 50; ++i) {
    auto flood = admit(t, "10.0.1." + std::to_string(i), Phase::partial_hello);
    ASSERT_NE(flood.admission.id, 0u);
    ASSERT_NE(flood.admission.evicted, client.connection) << "after " << i;
  }
  EXPECT_TRUE(t.established(client.admission.id, {}));
}

TEST(ConnectionTable, ANewcomerGivesUpItsOwnAddresssConnectionBeforeAnyoneElses) {
  ConnectionTable t(limits(100, 3, 100, 100));
  auto client = admit(t, "10.0.0.1");  // the oldest idle of all
  auto flood_a = admit(t, "10.0.9.9", Phase::handshaking);
  auto flood_b = admit(t, "10.0.9.9");
  auto flood_c = admit(t, "10.0.9.9");
  EXPECT_EQ(flood_c.admission.evicted, flood_b.connection) << "its own idle one, not the client";
  auto flood_d = admit(t, "10.0.9.9", Phase::partial_hello);
  EXPECT_EQ(flood_d.admission.evicted, flood_c.connection);
  // An address with none of its own in the budget evicts the oldest idle of all.
  auto other = admit(t, "10.0.0.2");
  EXPECT_EQ(other.admission.evicted, client.connection);
}

TEST(ConnectionTable, EstablishedConnectionsAreNeverEvicted) {
  ConnectionTable t(limits(2, 2, 100, 100));
  auto first = admit(t, "10.0.0.1");
  auto second = admit(t, "10.0.0.2");
  EXPECT_TRUE(t.established(first.admission.id, {}));
  EXPECT_TRUE(t.established(second.admission.id, {}));
  auto third = admit(t, "10.0.0.3");
  EXPECT_EQ(third.admission.id, 0u);
  EXPECT_EQ(third.admission.refused, "max_connections");
  EXPECT_EQ(third.admission.evicted, nullptr);
  EXPECT_EQ(t.established_connections().size(), 2u);
  EXPECT_EQ(t.pre_handshake(), 0u);
}

TEST(ConnectionTable, OneAddressIsRefusedAtItsOwnLimitsWithoutEvictingAnyone) {
  ConnectionTable t(limits(100, 100, 3, 2));
  auto a1 = admit(t, "10.0.0.1");
  auto a2 = admit(t, "10.0.0.1");
  auto a3 = admit(t, "10.0.0.1");
  EXPECT_EQ(a3.admission.refused, "per_address_pre_handshake");
  EXPECT_EQ(a3.admission.evicted, nullptr);
  EXPECT_NE(admit(t, "10.0.0.2").admission.id, 0u);
  EXPECT_TRUE(t.established(a1.admission.id, {}));
  EXPECT_TRUE(t.established(a2.admission.id, {}));
  auto a4 = admit(t, "10.0.0.1");
  EXPECT_NE(a4.admission.id, 0u);
  EXPECT_EQ(admit(t, "10.0.0.1").admission.refused, "per_address");
  // Once one of them ends, the address has room again.
  t.remove(a1.admission.id);
  EXPECT_NE(admit(t, "10.0.0.1").admission.id, 0u);
}

TEST(ConnectionTable, SaysWhenAFloodHasDrainedEnoughToReturnMemory) {
  ConnectionTable t(limits(1000, 1000, 1000, 1000));
  std::vector<Admitted> flood;
  for (int i = 0; i < 64; ++i) flood.push_back(admit(t, "10.0.0." + std::to_string(i % 200)));
  int trims = 0;
  for (const auto& f : flood) trims += t.remove(f.admission.id) ? 1 : 0;
  EXPECT_EQ(trims, 1) << "once, when the count fell to a quarter of its peak";
  EXPECT_EQ(t.open(), 0u);
  // A few connections coming and going do not ask for it.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(t.remove(admit(t, "10.0.0.1").admission.id));
}

}  // namespace
