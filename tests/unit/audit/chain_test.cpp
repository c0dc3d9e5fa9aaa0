// Digests and the entry hash: known vectors, and a serialisation in which field boundaries
// cannot move.
#include "hub/audit/chain.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "hub/audit/digest.hpp"
#include "unit/audit/documented_entry.hpp"

namespace hub::audit {
namespace {

TEST(Digest, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, HmacDependsOnTheKey) {
  EXPECT_NE(hmac_sha256_hex(std::string(32, 'a'), "BK123456"),
            hmac_sha256_hex(std::string(32, 'b'), "BK123456"));
  EXPECT_EQ(hmac_sha256_hex("", "x").size(), 64u);
}

// The key kept: the same digests as keying afresh, call after call, key or no key, from any thread.
TEST(Digest, KeyedHmacGivesTheSameDigests) {
  const HmacSha256 jefe("Jefe");
  EXPECT_EQ(jefe.hex("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(jefe.hex("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const HmacSha256 empty("");
  EXPECT_EQ(empty.hex("x"), hmac_sha256_hex("", "x"));
  const std::string key(32, 'k');
  const HmacSha256 keyed(key);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string id = "BK" + std::to_string(t * 1000 + i);
        if (keyed.hex(id) != hmac_sha256_hex(key, id)) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

store::JournalEntry sample() {
  return testing::documented_entry();
}

TEST(EntryHash, IsSha256OfTheDocumentedSerialisation) {
  // docs/audit.md describes these bytes; journals already written depend on them.
  const std::string bytes = testing::documented_bytes();
  EXPECT_EQ(entry_hash(sample()), sha256_hex(bytes));
}

TEST(EntryHash, FieldBoundariesCannotShift) {
  auto a = sample();
  auto b = sample();
  a.principal = "agencya";
  a.purpose = "ffiliation";
  EXPECT_NE(entry_hash(a), entry_hash(b));
}

TEST(EntryHash, EveryFieldCounts) {
  const auto base = entry_hash(sample());
  auto changed = [](auto mutate) {
    auto e = sample();
    mutate(e);
    return entry_hash(e);
  };
  EXPECT_NE(base, changed([](auto& e) { e.seq = 4; }));
  EXPECT_NE(base, changed([](auto& e) { e.time_ms += 1; }));
  EXPECT_NE(base, changed([](auto& e) { e.principal = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.purpose = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.correlation_id = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.partner = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.operation = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.identifier_hmac = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.identifier_masked = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.outcome = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.latency_us += 1; }));
  EXPECT_NE(base, changed([](auto& e) { e.response_sha256 = "x"; }));
  EXPECT_NE(base, changed([](auto& e) { e.prev_hash = std::string(64, '1'); }));
  EXPECT_EQ(base, changed([](auto& e) { e.entry_hash = "ignored"; }));
}

}  // namespace
}  // namespace hub::audit
