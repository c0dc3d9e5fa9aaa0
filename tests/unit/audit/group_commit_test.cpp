// Group commit against a store whose failures the test controls: batching, retry without loss
// or reordering, flush reporting the failure, and appenders held back when the queue is full.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "hub/audit/journal.hpp"

namespace hub::audit {
namespace {

using namespace std::chrono_literals;

class FakeStore final : public store::Store {
 public:
  std::atomic<bool> fail{false};
  std::atomic<int> append_calls{0};

  std::string engine() const override { return "fake"; }
  Result<void> ping() override { return {}; }
  Result<int> schema_version() override { return 2; }

  Result<store::JournalHead> append_journal(std::vector<store::JournalEntry>& entries,
                                            const store::JournalSealer& seal) override {
    ++append_calls;
    if (fail) return make_error(Errc::internal, "disk on fire", "store_error");
    std::lock_guard lock(mutex_);
    for (auto& e : entries) {
      e.seq = head_.seq + 1;
      e.prev_hash = head_.hash;
      e.entry_hash = seal(e);
      head_ = {e.seq, e.entry_hash};
      rows_.push_back(e);
    }
    return head_;
  }
  Result<store::JournalHead> journal_head() override {
    std::lock_guard lock(mutex_);
    return head_;
  }
  Result<void> scan_journal(std::int64_t from, const store::JournalVisitor& visit) override {
    std::vector<store::JournalEntry> copy;
    {
      std::lock_guard lock(mutex_);
      copy = rows_;
    }
    for (const auto& e : copy) {
      if (e.seq >= from && !visit(e)) break;
    }
    return {};
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return rows_.size();
  }
  std::vector<store::JournalEntry> rows() {
    std::lock_guard lock(mutex_);
    return rows_;
  }

 private:
  std::mutex mutex_;
  store::JournalHead head_{0, std::string(store::kGenesisHash)};
  std::vector<store::JournalEntry> rows_;
};

ExchangeRecord record(int i) {
  ExchangeRecord r;
  r.correlation_id = std::to_string(i);
  r.identifier = "BK123456";
  r.outcome = "ok";
  return r;
}

TEST(GroupCommit, ManyAppendsShareFewTransactions) {
  FakeStore store;
  Journal journal(store, "key",
                  JournalOptions{.batch_window = 20ms, .max_batch = 1000, .max_queued = 100'000});
  for (int i = 0; i < 2000; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(store.size(), 2000u);
  EXPECT_LE(store.append_calls.load(), 20) << "appends were not batched";
}

TEST(GroupCommit, FlushReportsFailureAndRetriesWithoutLossOrReordering) {
  FakeStore store;
  store.fail = true;
  Journal journal(store, "key",
                  JournalOptions{.batch_window = 1ms, .max_batch = 4, .max_queued = 100'000});
  for (int i = 0; i < 10; ++i) journal.append(record(i));
  auto r = journal.flush();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("disk on fire"), std::string::npos);
  EXPECT_EQ(store.size(), 0u);

  store.fail = false;
  for (int i = 10; i < 15; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  auto rows = store.rows();
  ASSERT_EQ(rows.size(), 15u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(rows[i].correlation_id, std::to_string(i));
  auto report = verify_journal(store);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(GroupCommit, AppendWaitsWhileTheQueueIsFull) {
  FakeStore store;
  store.fail = true;
  Journal journal(store, "key",
                  JournalOptions{.batch_window = 1ms, .max_batch = 2, .max_queued = 4});
  auto appender = std::async(std::launch::async, [&] {
    for (int i = 0; i < 10; ++i) journal.append(record(i));
  });
  EXPECT_EQ(appender.wait_for(300ms), std::future_status::timeout)
      << "append() must not queue without bound while the store is down";
  store.fail = false;
  EXPECT_EQ(appender.wait_for(10s), std::future_status::ready);
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(store.size(), 10u);
}

TEST(GroupCommit, ShutdownWithAFailingStoreEnds) {
  FakeStore store;
  store.fail = true;
  auto done = std::async(std::launch::async, [&] {
    Journal journal(store, "key");
    journal.append(record(1));
  });
  EXPECT_EQ(done.wait_for(30s), std::future_status::ready);
  EXPECT_GE(store.append_calls.load(), 3);
}

}  // namespace
}  // namespace hub::audit
