// A journal store whose failures a test controls (a fake: the real stores' journals are tested in
// journal_test.cpp), and a request waiting for its entries on an I/O thread of its own.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "hub/audit/journal.hpp"

namespace hub::audit::testing {

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

  // While hold(true), the writer's check at start waits too (a store that hangs from the start).
  Result<void> check_journal_end() override {
    {
      std::unique_lock lock(hold_mutex_);
      hold_cv_.wait(lock, [&] { return !held_; });
    }
    return store::Store::check_journal_end();
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

inline ExchangeRecord record(int i) {
  ExchangeRecord r;
  r.correlation_id = std::to_string(i);
  r.identifier = "BK123456";
  r.outcome = "ok";
  return r;
}

// What a request that waits for its entries sees, on an I/O thread of its own: the thread is
// never blocked while it waits (a timer on the same thread keeps ticking).
struct Waited {
  std::optional<Result<void>> result;
  std::chrono::milliseconds took{0};
  int ticks = 0;  // of a 10 ms timer on the same thread, while the request waited
  std::size_t stored_when_answered = 0;
};

inline Waited wait_durable(Journal& journal, FakeStore& store,
                           std::function<void()> meanwhile = {}) {
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

}  // namespace hub::audit::testing
