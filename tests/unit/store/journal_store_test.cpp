// The journal primitives of hub::store, on both engines: migrations, append under the chain
// lock, scans, atomicity of a failed batch, the append-only guard.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "unit/store/engines.hpp"

namespace hub::store {
namespace {

// The store does not know how the journal hashes; any deterministic function of the entry
// shows that it links what the sealer returns.
std::string test_seal(const JournalEntry& e) {
  return "h" + std::to_string(e.seq) + "<" + e.prev_hash.substr(0, 8) + "|" + e.partner;
}

std::vector<JournalEntry> entries(int n, const std::string& partner = "dgsn") {
  std::vector<JournalEntry> v(static_cast<std::size_t>(n));
  for (auto& e : v) e.partner = partner;
  return v;
}

std::vector<JournalEntry> scan_all(Store& s, std::int64_t from = 1) {
  std::vector<JournalEntry> out;
  auto r = s.scan_journal(from, [&](const JournalEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

class JournalStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
  }

  std::unique_ptr<Store> open_store(std::size_t pool_size = 8) {
    auto s = open(db_->options(pool_size));
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  std::unique_ptr<testing::TestDatabase> db_;
};

TEST_P(JournalStoreTest, MigrationsAreAppliedOnceWhenOpenedTwice) {
  auto first = open_store();
  ASSERT_TRUE(first);
  auto v1 = first->schema_version();
  ASSERT_TRUE(v1);
  // 1 meta, 2 journal, 3 registration records, 4 record labels, 5 journal insert trigger,
  // 6 coordination between nodes (leases, quota slices), 7 journal tree,
  // checkpoints, retention, 8 the change feed outbox, 9 the member index, 10 the journal
  // tree's upper levels only, 11 the disclosures index, 12 bulk prefill jobs, 13 the job column of
  // the disclosures, 14 the waits index
  EXPECT_EQ(*v1, 14);
  std::vector<JournalEntry> batch = entries(3);
  ASSERT_TRUE(first->append_journal(batch, test_seal));

  auto second = open_store();  // a second node starting on a migrated database
  ASSERT_TRUE(second);
  auto v2 = second->schema_version();
  ASSERT_TRUE(v2);
  EXPECT_EQ(*v2, *v1);
  EXPECT_TRUE(second->ping());
  auto head = second->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 3) << "re-running a migration must not reset the journal";
}

TEST_P(JournalStoreTest, EmptyJournalHeadIsGenesis) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto head = s->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 0);
  EXPECT_EQ(head->hash, kGenesisHash);
  EXPECT_TRUE(scan_all(*s).empty());
}

TEST_P(JournalStoreTest, AppendNumbersAndLinksEntriesAcrossBatches) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto a = entries(2, "dgsn");
  auto head = s->append_journal(a, test_seal);
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(a[0].seq, 1);
  EXPECT_EQ(a[0].prev_hash, kGenesisHash);
  EXPECT_EQ(a[1].prev_hash, a[0].entry_hash);
  EXPECT_EQ(head->seq, 2);
  EXPECT_EQ(head->hash, a[1].entry_hash);

  auto b = entries(1, "ompic");
  ASSERT_TRUE(s->append_journal(b, test_seal));
  EXPECT_EQ(b[0].seq, 3);
  EXPECT_EQ(b[0].prev_hash, a[1].entry_hash);

  auto stored = scan_all(*s);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[2].partner, "ompic");
  EXPECT_EQ(stored[2].entry_hash, b[0].entry_hash);
}

TEST_P(JournalStoreTest, EveryFieldRoundTripsExactly) {
  auto s = open_store();
  ASSERT_TRUE(s);
  std::vector<JournalEntry> batch(1);
  auto& e = batch[0];
  e.time_ms = 1'795'000'000'123;
  e.principal = "agency-casa-anfa";
  e.purpose = "affiliation";
  e.correlation_id = "2f1c5a8e-0000-4000-8000-000000000001";
  e.partner = "dgsn";
  e.operation = "identity.get";
  e.identifier_hmac = std::string(64, 'a');
  e.identifier_masked = "BK****56";
  e.outcome = "ok";
  e.latency_us = 12'345'678'901;
  e.response_sha256 = std::string(64, 'b');
  e.principal += std::string("\xC3\xA9", 2);  // UTF-8 survives both engines
  ASSERT_TRUE(s->append_journal(batch, test_seal));
  auto stored = scan_all(*s);
  ASSERT_EQ(stored.size(), 1u);
  const auto& g = stored[0];
  EXPECT_EQ(g.seq, 1);
  EXPECT_EQ(g.time_ms, e.time_ms);
  EXPECT_EQ(g.principal, e.principal);
  EXPECT_EQ(g.purpose, e.purpose);
  EXPECT_EQ(g.correlation_id, e.correlation_id);
  EXPECT_EQ(g.partner, e.partner);
  EXPECT_EQ(g.operation, e.operation);
  EXPECT_EQ(g.identifier_hmac, e.identifier_hmac);
  EXPECT_EQ(g.identifier_masked, e.identifier_masked);
  EXPECT_EQ(g.outcome, e.outcome);
  EXPECT_EQ(g.latency_us, e.latency_us);
  EXPECT_EQ(g.response_sha256, e.response_sha256);
  EXPECT_EQ(g.prev_hash, e.prev_hash);
  EXPECT_EQ(g.entry_hash, e.entry_hash);
}

// PostgreSQL takes a batch as array literals (one statement whatever its size): every character
// the array syntax gives a meaning to comes back as it went, and an empty text stays empty.
TEST_P(JournalStoreTest, TextWithTheArraySyntaxsCharactersRoundTrips) {
  auto s = open_store();
  ASSERT_TRUE(s);
  const std::vector<std::string> texts = {"a\"b", "back\\slash", "{braces}", "a,b",     "",
                                          "NULL", " spaced ",    "\\\"",     "\xD8\xA3"};
  std::vector<JournalEntry> batch(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    batch[i].principal = texts[i];
    batch[i].correlation_id = texts[texts.size() - 1 - i];
  }
  ASSERT_TRUE(s->append_journal(batch, test_seal));
  auto stored = scan_all(*s);
  ASSERT_EQ(stored.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(stored[i].principal, texts[i]);
    EXPECT_EQ(stored[i].correlation_id, texts[texts.size() - 1 - i]);
    EXPECT_EQ(stored[i].seq, static_cast<std::int64_t>(i + 1));
  }
}

TEST_P(JournalStoreTest, ScanPagesThroughLongJournalsInOrder) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto batch = entries(1300);  // more than two scan pages, and more than one insert chunk
  ASSERT_TRUE(s->append_journal(batch, test_seal));
  auto all = scan_all(*s);
  ASSERT_EQ(all.size(), 1300u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, static_cast<int>(i) + 1);
  EXPECT_EQ(scan_all(*s, 1001).size(), 300u);

  int visited = 0;
  ASSERT_TRUE(s->scan_journal(1, [&](const JournalEntry&) { return ++visited < 10; }));
  EXPECT_EQ(visited, 10) << "a visitor returning false stops the scan";
}

// A journal row as raw SQL: seq, prev_hash and entry_hash as given, the other fields empty.
std::string raw_row(std::int64_t seq, const std::string& prev_hash, const std::string& hash) {
  return "INSERT INTO audit_journal VALUES (" + std::to_string(seq) +
         ", 0, '', '', '', '', '', '', '', '', 0, '', '" + prev_hash + "', '" + hash + "', 0)";
}

// A row someone wrote past the head (the insert trigger dropped, as a database owner can) fails
// every later append, naming the row, and the batch stores nothing: the writer must stop rather
// than retry into a unique-key error for ever.
TEST_P(JournalStoreTest, RowPastTheHeadFailsAppendsNamingItAndStoresNothing) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto first = entries(2);
  ASSERT_TRUE(s->append_journal(first, test_seal));
  ASSERT_TRUE(s->check_journal_end());
  ASSERT_TRUE(db_->tamper(raw_row(4, "x", "y"))) << db_->last_error();
  auto batch = entries(3, "dgi");
  auto r = s->append_journal(batch, test_seal);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, kJournalHeadMismatch);
  EXPECT_NE(r.error().message.find("entry 4 is stored past the journal head (entry 2)"),
            std::string::npos)
      << r.error().message;
  auto checked = s->check_journal_end();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message, r.error().message);
  auto head = s->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 2);
  EXPECT_EQ(head->hash, first[1].entry_hash);
  for (const auto& e : scan_all(*s)) EXPECT_NE(e.partner, "dgi") << "seq " << e.seq;
}

// A correctly chained row, which the trigger lets through, is past the head all the same.
TEST_P(JournalStoreTest, ChainedRowInsertedBesideTheWriterIsPastTheHead) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto first = entries(2);
  ASSERT_TRUE(s->append_journal(first, test_seal));
  ASSERT_TRUE(db_->exec(raw_row(3, first[1].entry_hash, "forged"))) << db_->last_error();
  auto batch = entries(1);
  auto r = s->append_journal(batch, test_seal);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, kJournalHeadMismatch);
  EXPECT_NE(r.error().message.find("entry 3 is stored past"), std::string::npos)
      << r.error().message;
}

TEST_P(JournalStoreTest, HeadNamingNoStoredEntryFailsAppends) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto first = entries(3);
  ASSERT_TRUE(s->append_journal(first, test_seal));
  ASSERT_TRUE(db_->tamper("DELETE FROM audit_journal WHERE seq = 3")) << db_->last_error();
  auto checked = s->check_journal_end();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().detail, kJournalHeadMismatch);
  EXPECT_NE(checked.error().message.find("names entry 3, which is not stored"), std::string::npos)
      << checked.error().message;
}

// The insert trigger (migration 5): a row must follow the last stored one.
TEST_P(JournalStoreTest, TriggerRefusesRowsThatDoNotExtendTheChain) {
  auto s = open_store();
  ASSERT_TRUE(s);
  const std::string genesis(kGenesisHash);
  EXPECT_FALSE(db_->exec(raw_row(2, genesis, "a"))) << "the first entry must be seq 1";
  EXPECT_NE(db_->last_error().find("only grows at its end"), std::string::npos)
      << db_->last_error();
  EXPECT_FALSE(db_->exec(raw_row(1, "not-genesis", "a"))) << "entry 1 must follow genesis";
  auto first = entries(2);
  ASSERT_TRUE(s->append_journal(first, test_seal));
  EXPECT_FALSE(db_->exec(raw_row(4, first[1].entry_hash, "a"))) << "a gap";
  EXPECT_NE(db_->last_error().find("only grows at its end"), std::string::npos)
      << db_->last_error();
  EXPECT_FALSE(db_->exec(raw_row(3, first[0].entry_hash, "a"))) << "a fork from entry 1";
  EXPECT_FALSE(db_->exec(raw_row(3, genesis, "a"))) << "a new chain";
  EXPECT_EQ(scan_all(*s).size(), 2u);
  EXPECT_TRUE(s->check_journal_end()) << "nothing refused was stored";
  // What extends the last row passes (the writer's own inserts, one batch of many rows).
  auto more = entries(600);  // more than one PostgreSQL insert chunk
  ASSERT_TRUE(s->append_journal(more, test_seal));
  EXPECT_EQ(scan_all(*s).size(), 602u);
}

TEST_P(JournalStoreTest, UpdateAndDeleteAreRefused) {
  auto s = open_store();
  ASSERT_TRUE(s);
  auto batch = entries(2);
  ASSERT_TRUE(s->append_journal(batch, test_seal));
  EXPECT_FALSE(db_->exec("UPDATE audit_journal SET outcome = 'ok' WHERE seq = 1"));
  EXPECT_NE(db_->last_error().find("append-only"), std::string::npos) << db_->last_error();
  EXPECT_FALSE(db_->exec("DELETE FROM audit_journal WHERE seq = 2"));
  EXPECT_EQ(scan_all(*s).size(), 2u);
}

TEST_P(JournalStoreTest, TwoStoresOnOneDatabaseExtendOneChain) {
  auto node_a = open_store(2);
  auto node_b = open_store(2);
  ASSERT_TRUE(node_a && node_b);
  constexpr int kThreadsPerNode = 3, kBatches = 40, kBatchSize = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerNode; ++t) {
    Store* s = t % 2 ? node_a.get() : node_b.get();
    threads.emplace_back([s, &failures, t] {
      for (int b = 0; b < kBatches; ++b) {
        auto batch = entries(kBatchSize, "node" + std::to_string(t));
        if (!s->append_journal(batch, test_seal)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = scan_all(*node_a);
  const std::size_t total = 2 * kThreadsPerNode * kBatches * kBatchSize;
  ASSERT_EQ(all.size(), total);
  std::string prev(kGenesisHash);
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
    ASSERT_EQ(all[i].prev_hash, prev) << "fork at seq " << all[i].seq;
    ASSERT_EQ(all[i].entry_hash, test_seal(all[i]));
    prev = all[i].entry_hash;
  }
  auto head = node_b->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, static_cast<std::int64_t>(total));
  EXPECT_EQ(head->hash, prev);
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
