// Storage behind one interface, two engines: SQLite (embedded default, WAL) and PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/store/feed.hpp"
#include "hub/store/records.hpp"

namespace hub::store {

struct Options {
  std::string engine = "sqlite";  // sqlite | postgresql
  std::string path;               // sqlite: the database file (its folder is created)
  std::string url;                // postgresql: a libpq connection string
  std::size_t pool_size = 8;      // postgresql: connections kept open, at most
};

// One row of the exchange journal (hub/audit gives the fields their meaning). The store never
// interprets the fields; it only assigns seq and prev_hash under the chain lock.
struct JournalEntry {
  std::int64_t seq = 0;      // 1, 2, 3, ... with no gap
  std::int64_t time_ms = 0;  // UTC, milliseconds since the Unix epoch
  std::string principal;
  std::string purpose;
  std::string correlation_id;
  std::string partner;
  std::string operation;
  std::string identifier_hmac;    // hex
  std::string identifier_masked;  // "BK****56"
  std::string outcome;
  std::int64_t latency_us = 0;  // an integer, so that it hashes the same after any round trip
  std::string response_sha256;  // hex
  std::string prev_hash;        // hex; 64 zeros for the first entry
  std::string entry_hash;       // hex
};

// The last entry of the chain, kept in its own row: it is what appenders lock, and what tells a
// verifier that entries were removed from the end.
struct JournalHead {
  std::int64_t seq = 0;
  std::string hash;  // 64 zeros while the journal is empty
};

// Gives an entry whose seq and prev_hash are set its entry_hash.
using JournalSealer = std::function<std::string(const JournalEntry&)>;
// Called for each entry in seq order; returning false stops the scan.
using JournalVisitor = std::function<bool(const JournalEntry&)>;

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string engine() const = 0;
  // Reachable and answering a trivial query.
  virtual Result<void> ping() = 0;
  // The schema version applied by the migrations.
  virtual Result<int> schema_version() = 0;

  // Appends the entries in one transaction, in order, after the current head: under a lock that
  // every appender of the database takes (other threads, other processes, other hub nodes), the
  // head is first checked against the last stored entry (head_agrees(): a row written past the
  // head, or a head that names no stored entry, fails with conflict/kJournalHeadMismatch and
  // stores nothing), then each entry gets the next seq and the previous entry's hash, and seal()
  // gives it its own. On success the entries hold what was stored; on failure nothing was stored.
  virtual Result<JournalHead> append_journal(std::vector<JournalEntry>& entries,
                                             const JournalSealer& seal) = 0;
  virtual Result<JournalHead> journal_head() = 0;
  // The same check as append_journal's, outside any append: what a journal writer runs when it
  // starts, so that a journal broken while the hub was down is reported before the first write.
  // Reads the head, then the entries from the head's seq on (two at most).
  virtual Result<void> check_journal_end();
  // Visits the stored entries with seq >= from_seq in seq order, reading them in pages so that
  // appends are not held up while a long journal is read.
  virtual Result<void> scan_journal(std::int64_t from_seq, const JournalVisitor& visit) = 0;

  // Registration records (records.hpp). Both engines implement them; the defaults, which say
  // "not supported", let a store made for the journal alone (a test's fake) leave them out.

  // Writes every stream of the commit and its answer in one transaction.
  virtual Result<void> commit_records(const RecordCommit& commit);
  virtual Result<std::optional<RecordState>> read_record(const std::string& stream);
  // The stream that holds a lookup key.
  virtual Result<std::optional<std::string>> find_record_key(const std::string& key);
  // The events of a stream in version order, those at or before until_ms only.
  virtual Result<std::vector<RecordEvent>> record_events(const std::string& stream,
                                                         std::int64_t until_ms);
  // Up to `limit` records of a kind whose stream sorts after `after`, in stream order.
  virtual Result<std::vector<RecordState>> list_records(const std::string& kind,
                                                        const std::string& after,
                                                        std::size_t limit);
  // The same, among the records whose label (StreamWrite::label) is `label`: an index lookup,
  // whatever the number of records of that kind with other labels.
  virtual Result<std::vector<RecordState>> list_labelled(const std::string& kind,
                                                         const std::string& label,
                                                         const std::string& after,
                                                         std::size_t limit);
  virtual Result<std::optional<IdempotentAnswer>> idempotent_answer(const std::string& principal,
                                                                    const std::string& key);
  // The next value of a named counter (1, 2, 3, ...), committed at once: a value is never given
  // twice, and one whose registration then failed is skipped.
  virtual Result<std::int64_t> next_number(const std::string& counter);

  // The change feed (feed.hpp, docs/feed.md). Up to `limit` changes after position `after`, with
  // the outbox's head and pruned bound, all read in one snapshot: a page never shows a position
  // while an earlier one is still to commit.
  virtual Result<FeedPage> read_feed(std::int64_t after, std::size_t limit);
  // Removes the changes older than before_ms (a prefix of the outbox: every position up to the
  // last one older than that) and raises pruned_through to match. The number removed.
  virtual Result<std::int64_t> prune_feed(std::int64_t before_ms);
  // Called on the committing thread after each commit that appended to the outbox (how this
  // node wakes its long-polling readers). Set once, before the store is shared between threads.
  void on_feed_append(std::function<void()> listener) { feed_listener_ = std::move(listener); }

 protected:
  void feed_appended() const {
    if (feed_listener_) feed_listener_();
  }

 private:
  std::function<void()> feed_listener_;
};

// The prev_hash of the first entry.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The error detail of a head that does not agree with the stored chain: a writer must stop
// (docs/audit.md), not retry.
inline constexpr std::string_view kJournalHeadMismatch = "journal_head_mismatch";

// Whether the head names the last stored entry: `from_head` are the stored entries whose seq is
// at least the head's, in seq order, as (seq, entry_hash), two at most. {} when they are exactly
// the head's own entry (none for an empty journal); otherwise conflict/kJournalHeadMismatch with
// what is wrong, naming the entry: one stored past the head, or the head's own entry missing or
// with another hash.
Result<void> head_agrees(const JournalHead& head, const std::vector<JournalHead>& from_head);

// Opens the store and applies the pending schema migrations.
Result<std::unique_ptr<Store>> open(const Options& options);

}  // namespace hub::store
