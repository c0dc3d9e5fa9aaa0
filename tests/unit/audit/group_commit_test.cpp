// Group commit against a store whose failures the test controls: batching, retry without loss
// or reordering, flush reporting the failure, and appenders held back when the queue is full.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <condition_variable>
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
  // While set, append_journal() waits (a lock held from outside the hub).
  void hold(bool on) {
    std::lock_guard lock(hold_mutex_);
    held_ = on;
    if (!on) hold_cv_.notify_all();
  }

  std::string engine() const override { return "fake"; }
  Result<void> ping() override { return {}; }
  Result<int> schema_version() override { return 2; }

  // The chain alone: the tree is the real stores' (journal_tree_test.cpp).
  Result<store::JournalHead> append_journal(std::vector<store::JournalEntry>& entries,
                                            const store::JournalSealer& seal,
                                            const store::JournalTreeBuilder&) override {
    ++append_calls;
    {
      std::unique_lock lock(hold_mutex_);
      hold_cv_.wait(lock, [&] { return !held_; });
    }
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
  Result<std::int64_t> extend_tree(std::size_t, const store::JournalTreeBuilder&) override {
    std::lock_guard lock(mutex_);
    return head_.seq;
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
  std::mutex hold_mutex_;
  std::condition_variable hold_cv_;
  bool held_ = false;
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

// What a request that waits for its entries sees, on an I/O thread of its own: the thread is
// never blocked while it waits (a timer on the same thread keeps ticking).
struct Waited {
  std::optional<Result<void>> result;
  std::chrono::milliseconds took{0};
  int ticks = 0;  // of a 10 ms timer on the same thread, while the request waited
  std::size_t stored_when_answered = 0;
};

Waited wait_durable(Journal& journal, FakeStore& store, std::function<void()> meanwhile = {}) {
  namespace asio = boost::asio;
  asio::io_context io;
  Waited w;
  bool waiting = true;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto t0 = std::chrono::steady_clock::now();
        auto ticket = journal.append(record(1));
        w.result = co_await journal.durable(ticket);
        w.stored_when_answered = store.size();
        w.took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
        waiting = false;
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(io);
        while (waiting) {
          t.expires_after(10ms);
          co_await t.async_wait(asio::use_awaitable);
          ++w.ticks;
        }
      },
      asio::detached);
  std::thread side;
  if (meanwhile) side = std::thread(meanwhile);
  io.run();
  if (side.joinable()) side.join();
  return w;
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
