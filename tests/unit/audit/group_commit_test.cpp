// Group commit against a store whose failures the test controls: batching, retry without loss
// or reordering, flush reporting the failure, and appenders held back when the queue is full.
#include <gtest/gtest.h>

#include <future>

#include "hub/audit/journal.hpp"
#include "unit/audit/fake_journal_store.hpp"

namespace hub::audit {
namespace {

using namespace std::chrono_literals;
using testing::FakeStore;
using testing::record;
using testing::wait_durable;

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

TEST(Durable, CompletesOnceTheEntryIsStored) {
  FakeStore store;
  Journal journal(store, "key");
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(*w.result);
  EXPECT_EQ(w.stored_when_answered, 1u) << "answered before its entry was stored";
}

TEST(Durable, RefusedAfterTheWaitLimitWithoutBlockingTheThread) {
  FakeStore store;
  store.fail = true;
  Journal journal(store, "key", JournalOptions{.wait_limit = 300ms});
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  ASSERT_FALSE(*w.result);
  const auto& e = w.result->error();
  EXPECT_EQ(e.code, Errc::journal_unavailable);
  EXPECT_EQ(e.wire_code(), "journal_unavailable");
  EXPECT_EQ(e.retry_after, 2s);
  EXPECT_GE(w.took, 300ms);
  EXPECT_LT(w.took, 2000ms);
  EXPECT_GE(w.ticks, 10) << "the I/O thread was blocked while the request waited";
  EXPECT_EQ(store.size(), 0u);
  const auto s = journal.status();
  EXPECT_EQ(s.state, JournalState::failing);
  EXPECT_NE(s.error.find("disk on fire"), std::string::npos) << s.error;
  EXPECT_EQ(s.pending, 1u);
  ASSERT_TRUE(journal.refusal());
  EXPECT_EQ(journal.refusal()->code, Errc::journal_unavailable);
}

TEST(Durable, StoreBackWithinTheLimitServesTheWaiter) {
  FakeStore store;
  store.fail = true;
  Journal journal(store, "key", JournalOptions{.wait_limit = 5000ms});
  auto w = wait_durable(journal, store, [&] {
    std::this_thread::sleep_for(200ms);
    store.fail = false;
  });
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(*w.result);
  EXPECT_LT(w.took, 4000ms);
  EXPECT_EQ(journal.status().state, JournalState::ok);
  EXPECT_FALSE(journal.refusal());
}

// A write that hangs (a lock held from outside) makes the journal failing once it has waited
// longer than wait_limit, before the store itself gives up.
TEST(Durable, WriteWaitingLongerThanTheLimitMakesTheJournalFailing) {
  FakeStore store;
  store.hold(true);
  Journal journal(store, "key", JournalOptions{.wait_limit = 200ms});
  journal.append(record(1));
  std::this_thread::sleep_for(450ms);
  const auto s = journal.status();
  EXPECT_EQ(s.state, JournalState::failing);
  EXPECT_NE(s.error.find("has been waiting for"), std::string::npos) << s.error;
  EXPECT_TRUE(journal.refusal());
  store.hold(false);
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(journal.status().state, JournalState::ok);
}

}  // namespace
}  // namespace hub::audit
