// The exchange journal: every partner exchange, appended to one hash chain in the store, with the
// identifier asked about kept only as a keyed hash and a masked form.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hub/audit/chain.hpp"
#include "hub/audit/digest.hpp"
#include "hub/audit/journal_tree.hpp"
#include "hub/audit/key.hpp"
#include "hub/audit/receipt.hpp"
#include "hub/audit/spool.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

struct ExchangeRecord {
  // When the exchange happened; left at the epoch, the journal stamps the time of append().
  std::chrono::system_clock::time_point time{};
  std::string principal;
  std::string purpose;
  std::string correlation_id;
  std::string partner;
  std::string operation;
  // In clear here only: the journal keeps HMAC-SHA256(key, identifier) and a masked form.
  std::string identifier;
  std::string outcome;  // a short code: "ok", "not_found", "timeout", ...
  double latency_ms = 0;
  // sha256_hex(response body); sha256_hex("") for an empty body.
  std::string response_body_sha256;
};

// What the journal writer is doing, for /readyz, /metrics and the requests that wait on it.
enum class JournalState {
  ok,        // writing as it should
  failing,   // the last write failed, or one has been waiting longer than wait_limit, and no
             // spool keeps the entries (none configured, or it cannot be written); retrying
  stopped,   // the stored chain does not agree with its head: nothing more is written until an
             // operator repairs the journal and restarts the hub (docs/audit.md)
  spooling,  // the store is failing or slow, and the entries are kept in the local spool
             // (spool.hpp) meanwhile: requests are served; retrying the store
};
std::string_view state_name(JournalState s);

struct JournalStatus {
  JournalState state = JournalState::ok;
  std::string error;          // why it is failing or stopped, for an operator; "" when ok
  std::uint64_t pending = 0;  // entries appended and not written yet
};

// An entry's place in the order of appends: the journal writes in that order, so every entry
// whose ticket is at most N is durable once entry N is.
using Ticket = std::uint64_t;

struct JournalOptions {
  // How long the writer lets appends gather before it writes them in one transaction.
  std::chrono::milliseconds batch_window{2};
  std::size_t max_batch = 1000;
  // Beyond this many entries not yet written (the store is down or too slow), append() waits:
  // the journal never drops an entry, and never grows without bound.
  std::size_t max_queued = 100'000;
  // How long a request waits for its entries to become durable before it is refused
  // (journal_unavailable); a write that takes longer makes the journal "failing".
  std::chrono::milliseconds wait_limit{2000};
  // The local spool (spool.hpp): where entries the store has not taken are kept, durably, to be
  // appended first at the next start. At shutdown always; while the store fails too when `spool`
  // is on. "": no spool (entries unwritten at shutdown are logged as lost).
  std::string spool_path{};
  // Whether entries are spooled while the store fails (a write fails, or takes longer than
  // spool_after): a spooled entry is durable for durable(), so requests keep being served during
  // a store outage (issue 17) without ever disclosing what is not journaled (issue 15). Off: such
  // requests get journal_unavailable once wait_limit passes.
  bool spool = false;
  std::chrono::milliseconds spool_after{250};
  // Told on the writer thread of each failed write: "store_error" (retried) or
  // "head_mismatch" (the writer stops). For the metrics.
  std::function<void(std::string_view reason)> on_write_failure{};
  // Whether the writer keeps the Merkle tree in the store with the entries (journal_tree.hpp).
  // Always in the hub; off only to measure what the tree costs (bench_audit_append). A tree left
  // behind is caught up when a writer with the tree starts.
  bool merkle_tree = true;
};

class Journal {
 public:
  // Loads the entries a previous run left in the spool (options.spool_path), then starts the
  // writer, whose first act is to check that the stored chain agrees with its head, and the
  // spooler.
  Journal(store::Store& store, std::string hmac_key, JournalOptions options = {});
  // Writes what is still queued (three attempts at most), spools what could not be written to
  // options.spool_path, then stops the writer. The coroutines waiting in durable() must
  // not be resumed after this (the hub stops its I/O threads first).
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Thread-safe, and does not wait for the disk: entries are queued and written in batches, one
  // transaction a batch, by one writer thread. The ticket says when this entry is durable.
  Ticket append(ExchangeRecord record);
  // The same, for an exchange whose answer carries its receipt (receipt.hpp): once the entry is
  // written, its leaf index and hash are kept for receipt(ticket).
  Ticket append_with_receipt(ExchangeRecord record);
  // Completes as durable(ticket) does, then with the entry's receipt. The ticket must come from
  // append_with_receipt(); its receipt is given once.
  boost::asio::awaitable<Result<Receipt>> receipt(Ticket ticket);
  // Completes once every entry up to `ticket` is durable, in the store or in the spool, or with
  // journal_unavailable (and a Retry-After) when the journal is stopped or the entries are not
  // durable within options.wait_limit. Never blocks a thread: the awaiting coroutine resumes on
  // its own executor, from the writer's notice or its own timer.
  boost::asio::awaitable<Result<void>> durable(Ticket ticket);
  JournalStatus status() const;
  // The journal_unavailable error a request that would disclose partner data gets now, or none
  // when the journal is writing.
  std::optional<Error> refusal() const;
  // Waits until every entry appended before the call is durable in the store, or returns the
  // error that keeps the writer from writing (it keeps retrying, unless stopped).
  Result<void> flush();
  // flush(), then verify_journal() over the whole stored chain.
  Result<VerifyReport> verify();

  // The keyed hash the journal stores for an identifier: how an investigator with the key finds
  // the entries about one person or company.
  std::string identifier_hash(std::string_view identifier) const;

 private:
  struct Waiter;
  // The writer thread, and what it does with mutex_ held (it unlocks around store calls).
  void run_writer();
  bool check_end(std::unique_lock<std::mutex>& lock);
  bool write_batch(std::unique_lock<std::mutex>& lock);
  Ticket enqueue(store::JournalEntry entry, bool with_receipt);
  bool catch_up_tree(std::unique_lock<std::mutex>& lock);
  void keep_receipts(const std::vector<store::JournalEntry>& batch);
  void record_failure(const Error& why);
  void stop_writer(const Error& why);
  void release_waiters(const std::optional<Error>& error, bool all);
  void spool_at_shutdown();
  void requeue_spooled();
  // The spooler thread, and what it does with mutex_ held (it unlocks around the file).
  void run_spooler();
  bool spool_wanted_locked() const;
  bool spool_queued(std::unique_lock<std::mutex>& lock);
  void spool_after_write(std::unique_lock<std::mutex>& lock);
  const store::JournalEntry& entry_at_locked(Ticket t) const;
  Ticket durable_through_locked() const { return std::max(written_, spooled_); }
  JournalStatus status_locked() const;
  std::optional<Error> refusal_locked() const;
  store::JournalEntry to_entry(ExchangeRecord&& r) const;

  store::Store& store_;
  const HmacSha256 hmac_;  // keyed with the journal's HMAC key
  const JournalOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_;   // the writer: entries queued, a flush asked, or stop
  std::condition_variable done_;   // flushers: a batch was written or failed
  std::condition_variable space_;  // appenders waiting for room in the queue
  std::deque<store::JournalEntry> queue_;
  std::uint64_t appended_ = 0;  // entries ever queued: the last ticket given
  std::uint64_t written_ = 0;   // entries ever written; the queue is FIFO, so the first ones
  std::uint64_t failures_ = 0;  // failed batch writes, ever
  std::optional<Error> last_error_;
  std::optional<Error> stopped_;  // why the writer stopped for good
  // When the queue last went from empty to not empty: a batch gathers from then on.
  std::chrono::steady_clock::time_point queued_since_{};
  // When the write under way began: a write that takes longer than wait_limit is a failing one.
  std::optional<std::chrono::steady_clock::time_point> writing_since_;
  // The batch being written: tickets written_ + 1 ... (the spooler reads its contents, which the
  // store does not change, while the writer is in the store).
  std::vector<store::JournalEntry> in_flight_;
  // The spool: entries up to spooled_ are in its file (when spool_active_), or in the store.
  const bool spool_on_;  // options_.spool with a spool_path: the spooler runs
  SpoolFile spool_file_;
  std::mutex spool_file_mutex_;  // taken before mutex_, never after it
  Ticket spooled_ = 0;
  bool spool_active_ = false;         // the file holds entries not all known written
  bool spooling_ = false;             // the spooler is writing the file
  bool hung_ = false;                 // the write under way has taken longer than spool_after
  std::optional<Error> spool_error_;  // the spool's last append failed
  std::condition_variable spool_work_;
  std::multimap<Ticket, std::shared_ptr<Waiter>> waiters_;
  // The tickets appended with a receipt, with it once their entry is written.
  std::map<Ticket, std::optional<Receipt>> receipts_;
  TreeWriter tree_;  // the writer thread's
  int flushers_ = 0;
  bool stopping_ = false;
  std::thread writer_;
  std::thread spooler_;
};

// `cnss-hub audit verify --config FILE` (argv[0] is "audit"): 0 when the journal verifies,
// 1 when it is broken, 2 when it cannot be checked (usage, configuration, store).
int run_cli(int argc, char** argv);
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace hub::audit
