// The exchange journal on both engines: the chain it writes, group commit from many threads and
// from two hub nodes, tamper detection naming the entry, no identifier in clear, durability.
#include "hub/audit/journal.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "unit/store/engines.hpp"

namespace hub::audit {
namespace {

const std::string kKey(32, 'k');
constexpr const char* kIdentifier = "ZX987654";

ExchangeRecord record(int i, std::string identifier = kIdentifier) {
  ExchangeRecord r;
  r.principal = "agency-casa-anfa";
  r.purpose = "affiliation";
  r.correlation_id = "corr-" + std::to_string(i);
  r.partner = "dgsn";
  r.operation = "identity.get";
  r.identifier = std::move(identifier);
  r.outcome = "ok";
  r.latency_ms = 12.5 + i;
  r.response_body_sha256 = sha256_hex("{\"n\":" + std::to_string(i) + "}");
  return r;
}

class JournalTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    store_ = open_store();
    ASSERT_TRUE(store_);
  }

  std::unique_ptr<store::Store> open_store() {
    auto s = store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  // Appends n records through a journal that is gone (flushed) when this returns.
  void append_n(int n) {
    Journal journal(*store_, kKey);
    for (int i = 0; i < n; ++i) journal.append(record(i));
    ASSERT_TRUE(journal.flush());
  }

  VerifyReport verify() {
    auto r = verify_journal(*store_);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyReport{};
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
};

TEST_P(JournalTest, AppendedEntriesVerifyAndHoldEveryField) {
  Journal journal(*store_, kKey);
  auto r = record(1);
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'000'000'123));
  r.latency_ms = 42.25;
  journal.append(r);
  for (int i = 2; i <= 20; ++i) journal.append(record(i));
  auto report = journal.verify();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, 20);

  std::vector<store::JournalEntry> stored;
  ASSERT_TRUE(store_->scan_journal(1, [&](const store::JournalEntry& e) {
    stored.push_back(e);
    return true;
  }));
  ASSERT_EQ(stored.size(), 20u);
  const auto& e = stored[0];
  EXPECT_EQ(e.time_ms, 1'795'000'000'123);
  EXPECT_EQ(e.principal, "agency-casa-anfa");
  EXPECT_EQ(e.purpose, "affiliation");
  EXPECT_EQ(e.correlation_id, "corr-1");
  EXPECT_EQ(e.partner, "dgsn");
  EXPECT_EQ(e.operation, "identity.get");
  EXPECT_EQ(e.identifier_hmac, hmac_sha256_hex(kKey, kIdentifier));
  EXPECT_EQ(e.identifier_hmac, journal.identifier_hash(kIdentifier));
  EXPECT_EQ(e.identifier_masked, "ZX****54");
  EXPECT_EQ(e.outcome, "ok");
  EXPECT_EQ(e.latency_us, 42'250);
  EXPECT_EQ(e.response_sha256, sha256_hex("{\"n\":1}"));
  EXPECT_EQ(e.prev_hash, store::kGenesisHash);
  EXPECT_EQ(e.entry_hash, entry_hash(e));
  EXPECT_EQ(stored[1].prev_hash, e.entry_hash);
  // Stamped by the journal when the caller gave no time.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(stored[1].time_ms, now_ms);
  EXPECT_GT(stored[1].time_ms, now_ms - 60'000);
}

TEST_P(JournalTest, EmptyJournalVerifies) {
  auto report = verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 0);
}

TEST_P(JournalTest, EightThreadsFormOneChainWithNoGap) {
  constexpr int kThreads = 8, kEach = 250;
  {
    Journal journal(*store_, kKey);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&journal, t] {
        for (int i = 0; i < kEach; ++i) journal.append(record(t * kEach + i));
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(journal.flush());
  }
  auto report = verify();
  EXPECT_TRUE(report.ok) << "entry " << report.broken_at << ": " << report.problem;
  EXPECT_EQ(report.entries, kThreads * kEach);
  // Every record made it exactly once.
  std::vector<int> seen(kThreads * kEach, 0);
  ASSERT_TRUE(store_->scan_journal(1, [&](const store::JournalEntry& e) {
    ++seen.at(std::stoi(e.correlation_id.substr(5)));
    return true;
  }));
  for (int i = 0; i < kThreads * kEach; ++i) ASSERT_EQ(seen[i], 1) << "record " << i;
}

TEST_P(JournalTest, TwoNodesOnOneDatabaseFormOneChain) {
  auto other_store = open_store();  // a second hub node: its own Store, its own connections
  ASSERT_TRUE(other_store);
  constexpr int kEach = 300;
  {
    Journal node_a(*store_, kKey);
    Journal node_b(*other_store, kKey);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Journal& j = t % 2 ? node_a : node_b;
        for (int i = 0; i < kEach; ++i) j.append(record(t * kEach + i));
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(node_a.flush());
    ASSERT_TRUE(node_b.flush());
  }
  auto report = verify();
  EXPECT_TRUE(report.ok) << "entry " << report.broken_at << ": " << report.problem;
  EXPECT_EQ(report.entries, 4 * kEach);
}

TEST_P(JournalTest, ChangedByteIsNamedBySequenceNumber) {
  append_n(10);
  ASSERT_TRUE(db_->tamper("UPDATE audit_journal SET partner = 'dgsm' WHERE seq = 7"))
      << db_->last_error();
  auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_at, 7);
  EXPECT_EQ(report.entries, 6);
  EXPECT_NE(report.problem.find("does not match its contents"), std::string::npos)
      << report.problem;
}

TEST_P(JournalTest, RewrittenHashIsCaughtByTheNextLink) {
  append_n(10);
  // The tamperer changes a field and recomputes that entry's hash: its successor still points
  // at the original.
  std::vector<store::JournalEntry> stored;
  ASSERT_TRUE(store_->scan_journal(4, [&](const store::JournalEntry& e) {
    stored.push_back(e);
    return false;
  }));
  auto forged = stored.at(0);
  forged.outcome = "not_found";
  ASSERT_TRUE(db_->tamper("UPDATE audit_journal SET outcome = 'not_found', entry_hash = '" +
                          entry_hash(forged) + "' WHERE seq = 4"))
      << db_->last_error();
  auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_at, 5);
  EXPECT_NE(report.problem.find("entry 4"), std::string::npos) << report.problem;
}

TEST_P(JournalTest, DeletedEntryIsNamed) {
  append_n(10);
  ASSERT_TRUE(db_->tamper("DELETE FROM audit_journal WHERE seq = 5")) << db_->last_error();
  auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_at, 5);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_P(JournalTest, DeletedLastEntriesAreDetected) {
  append_n(10);
  ASSERT_TRUE(db_->tamper("DELETE FROM audit_journal WHERE seq >= 9")) << db_->last_error();
  auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_at, 9);
  EXPECT_EQ(report.entries, 8);
}

TEST_P(JournalTest, IdentifierIsNeverStoredInClear) {
  append_n(50);
  if (db_->engine() == "sqlite") {
    // Everything also reaches the main file, not only the WAL.
    ASSERT_TRUE(db_->exec("PRAGMA wal_checkpoint(TRUNCATE)")) << db_->last_error();
  }
  const std::string bytes = db_->stored_bytes();
  ASSERT_NE(bytes.find(hmac_sha256_hex(kKey, kIdentifier)), std::string::npos)
      << "the scan must see the journal rows at all";
  EXPECT_EQ(bytes.find(kIdentifier), std::string::npos);
  EXPECT_NE(bytes.find("ZX****54"), std::string::npos);
}

TEST_P(JournalTest, FlushMakesEverythingDurableForAnotherConnection) {
  Journal journal(*store_, kKey);
  for (int i = 0; i < 300; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  // Read through a store opened afterwards, while the journal is still alive and idle.
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  auto head = reopened->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 300);
}

TEST_P(JournalTest, DestructorFlushes) {
  {
    Journal journal(*store_, kKey,
                    JournalOptions{.batch_window = std::chrono::milliseconds(500),
                                   .max_batch = 1000,
                                   .max_queued = 100'000});
    for (int i = 0; i < 100; ++i) journal.append(record(i));
  }
  store_.reset();
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  auto report = verify_journal(*reopened);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, 100);
}

TEST_P(JournalTest, VerifyWhileAppendingSeesAnIntactChain) {
  Journal journal(
      *store_, kKey,
      JournalOptions{
          .batch_window = std::chrono::milliseconds(0), .max_batch = 7, .max_queued = 100'000});
  std::atomic<bool> done{false};
  std::thread appender([&] {
    for (int i = 0; i < 3000; ++i) journal.append(record(i));
    (void)journal.flush();
    done = true;
  });
  int checks = 0;
  while (!done || checks == 0) {
    auto report = verify();
    ASSERT_TRUE(report.ok) << "entry " << report.broken_at << ": " << report.problem;
    ++checks;
  }
  appender.join();
  EXPECT_EQ(verify().entries, 3000);
}

TEST_P(JournalTest, JournalsOverTimeContinueTheSameChain) {
  append_n(5);
  append_n(5);  // a restarted hub
  auto report = verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 10);
}

// The hash of the last stored entry.
std::string last_hash(store::Store& s) {
  std::string hash(store::kGenesisHash);
  EXPECT_TRUE(s.scan_journal(1, [&](const store::JournalEntry& e) {
    hash = e.entry_hash;
    return true;
  }));
  return hash;
}

// A row after the last stored one, correctly chained, so that the insert trigger lets it
// through; the head does not name it.
bool insert_chained_past_the_head(testing::TestDatabase& db, store::Store& s) {
  auto head = s.journal_head();
  return head && db.exec("INSERT INTO audit_journal VALUES (" + std::to_string(head->seq + 1) +
                         ", 0, '', '', '', '', '', '', '', '', 0, '', '" + last_hash(s) +
                         "', 'forged', 0)");
}

// Waits (up to 10 s) for the journal to reach a state.
bool reaches(const Journal& journal, JournalState state) {
  for (int i = 0; i < 1000; ++i) {
    if (journal.status().state == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_P(JournalTest, RowPastTheHeadIsNamedByVerify) {
  append_n(3);
  ASSERT_TRUE(insert_chained_past_the_head(*db_, *store_)) << db_->last_error();
  auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_at, 4);
  EXPECT_NE(report.problem.find("stored past the chain head (entry 3)"), std::string::npos)
      << report.problem;
}

// A foreign row past the head stops the writer, loudly and for good: at start (before any
// append), with the row named, the failure counted, appends that do not block, flush() and
// durable() refused at once; a new journal on the same database (a restart) stops the same way.
TEST_P(JournalTest, RowPastTheHeadStopsTheWriterAlsoAfterARestart) {
  append_n(3);
  ASSERT_TRUE(insert_chained_past_the_head(*db_, *store_)) << db_->last_error();
  for (int restart = 0; restart < 2; ++restart) {
    std::vector<std::string> reasons;
    std::mutex m;
    JournalOptions o;
    o.max_queued = 2;  // a stopped journal must not make appenders wait for room
    o.on_write_failure = [&](std::string_view r) {
      std::lock_guard lock(m);
      reasons.emplace_back(r);
    };
    Journal journal(*store_, kKey, o);
    ASSERT_TRUE(reaches(journal, JournalState::stopped)) << journal.status().error;
    const auto s = journal.status();
    EXPECT_NE(s.error.find("entry 4 is stored past the journal head (entry 3)"), std::string::npos)
        << s.error;
    auto refused = journal.refusal();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, Errc::journal_unavailable);
    EXPECT_EQ(refused->retry_after, std::chrono::seconds(30));
    for (int i = 0; i < 5; ++i) journal.append(record(i));
    auto flushed = journal.flush();
    ASSERT_FALSE(flushed);
    EXPECT_EQ(flushed.error().detail, store::kJournalHeadMismatch);
    std::lock_guard lock(m);
    EXPECT_EQ(reasons, std::vector<std::string>{"head_mismatch"});
  }
  auto head = store_->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 3) << "a stopped writer wrote";
}

// What a stopped (or failing) journal holds at shutdown is saved, owner-only and without the
// identifier in clear, and written first once the journal is repaired and the hub restarted.
TEST_P(JournalTest, UnwrittenEntriesAreSavedAtShutdownAndWrittenAfterTheRepair) {
  append_n(3);
  ASSERT_TRUE(
      db_->tamper("INSERT INTO audit_journal VALUES (4, 0, '', '', '', '', '', '', '', "
                  "'', 0, '', 'x', 'y', 0)"))
      << db_->last_error();
  JournalOptions o;
  o.spool_path = (db_->dir().empty() ? std::filesystem::temp_directory_path() : db_->dir()) /
                 ("unwritten-" + testing::random_suffix() + ".jsonl");
  {
    Journal journal(*store_, kKey, o);
    ASSERT_TRUE(reaches(journal, JournalState::stopped));
    for (int i = 100; i < 103; ++i) journal.append(record(i));
  }
  ASSERT_TRUE(std::filesystem::exists(o.spool_path));
  const auto perms = std::filesystem::status(o.spool_path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(o.spool_path);
  const std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(saved.find(kIdentifier), std::string::npos) << "the identifier in clear";
  EXPECT_NE(saved.find("ZX****54"), std::string::npos);

  // The operator's repair: the foreign row set aside (docs/audit.md), then a restart.
  ASSERT_TRUE(db_->tamper("DELETE FROM audit_journal WHERE seq = 4")) << db_->last_error();
  {
    Journal journal(*store_, kKey, o);
    ASSERT_TRUE(journal.flush());
    EXPECT_EQ(journal.status().state, JournalState::ok);
  }
  EXPECT_FALSE(std::filesystem::exists(o.spool_path)) << "written, so no longer kept";
  std::vector<std::string> ids;
  ASSERT_TRUE(store_->scan_journal(4, [&](const store::JournalEntry& e) {
    ids.push_back(e.correlation_id);
    return true;
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{"corr-100", "corr-101", "corr-102"}));
  auto report = verify();
  EXPECT_TRUE(report.ok) << report.problem;
  std::filesystem::remove(o.spool_path);
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::audit
