// Storage behind one interface, two engines: SQLite (embedded default, WAL) and PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/store/coordination.hpp"
#include "hub/store/disclosures.hpp"
#include "hub/store/feed.hpp"
#include "hub/store/jobs.hpp"
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
  // Retention (prune_journal): when the entry's contents were erased, 0 while they are kept. A
  // pruned entry keeps seq, time_ms, prev_hash and entry_hash; its text fields are empty and
  // latency_us is 0.
  std::int64_t pruned_ms = 0;
  // A pruned entry's leaf hash in the Merkle tree (its level-0 node, hex), read with it by
  // scan_journal: its contents can no longer give it. Empty for an entry that is not pruned.
  std::string leaf_hash;
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

// A node of the journal's Merkle tree (hub/audit gives it its meaning, RFC 9162 2.1): the root of
// the complete subtree of leaves [index * 2^level, (index + 1) * 2^level). Level 0 holds the
// leaf hashes; leaf i is journal entry i + 1. A node never changes once stored.
struct TreeNodeId {
  int level = 0;
  std::int64_t index = 0;
};
struct TreeNode {
  TreeNodeId id;
  std::string hash;  // 64 hex digits, lower case
};
// How a tree builder reads what is committed, in the transaction that will store its nodes:
// stored nodes, in the order asked (a node not stored is Errc::not_found naming it), and entries
// first_seq to last_seq (both included, in seq order, as journal_entries() gives them) for the
// nodes the store does not keep (hub/audit/journal_tree.hpp: the levels below the first stored
// one are computed again from the entries).
struct TreeReader {
  std::function<Result<std::vector<std::string>>(const std::vector<TreeNodeId>&)> nodes;
  std::function<Result<std::vector<JournalEntry>>(std::int64_t first_seq, std::int64_t last_seq)>
      entries;
};
// Gives the nodes that `entries` (sealed, in seq order, the first being entry size_before + 1)
// complete in the tree of the size_before entries before them, those the store is to keep;
// `read` reads the stored tree in the transaction that will store the nodes, under the
// journal's lock.
using JournalTreeBuilder = std::function<Result<std::vector<TreeNode>>(
    const TreeReader& read, std::int64_t size_before, const std::vector<JournalEntry>& entries)>;
// Gives an entry's leaf hash (64 hex digits): what retention keeps of an entry it prunes.
using JournalLeafHasher = std::function<std::string(const JournalEntry&)>;

// A signed checkpoint of the journal's tree (hub/audit/checkpoint.hpp), as stored.
struct StoredCheckpoint {
  std::int64_t tree_size = 0;
  std::string root;            // hex
  std::int64_t signed_ms = 0;  // when the hub signed it (UTC, ms since the epoch)
  std::string note;            // the signed note, byte for byte as served
  std::string timestamp;       // an RFC 3161 TimeStampResp over the note (DER, base64); or ""
};
using CheckpointVisitor = std::function<bool(const StoredCheckpoint&)>;

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
  // With a tree builder, the nodes it gives are stored in the same transaction (all or nothing);
  // without one, no node is (the chain alone: the tree must then be caught up by extend_tree()).
  virtual Result<JournalHead> append_journal(std::vector<JournalEntry>& entries,
                                             const JournalSealer& seal,
                                             const JournalTreeBuilder& tree = {}) = 0;
  virtual Result<JournalHead> journal_head() = 0;
  // The same check as append_journal's, outside any append: what a journal writer runs when it
  // starts, so that a journal broken while the hub was down is reported before the first write.
  // Reads the head, then the entries from the head's seq on (two at most).
  virtual Result<void> check_journal_end();
  // Visits the stored entries with seq >= from_seq in seq order, reading them in pages so that
  // appends are not held up while a long journal is read.
  virtual Result<void> scan_journal(std::int64_t from_seq, const JournalVisitor& visit) = 0;
  // The stored entries first_seq to last_seq (both included) in seq order, read as
  // scan_journal() reads them (a pruned entry with its kept leaf), in one query; fewer when some
  // are not stored. The default scans.
  virtual Result<std::vector<JournalEntry>> journal_entries(std::int64_t first_seq,
                                                            std::int64_t last_seq);

  // The journal's Merkle tree (docs/audit.md, "The tree in the store"), its checkpoints and
  // retention. Both engines implement them; the defaults, which say "not supported", let a
  // store made for the chain alone (a test's fake) leave them out.

  // How many leaves the stored tree holds: every entry up to this seq is in it. Kept in the
  // journal's head row, moved by every append with a tree builder and by extend_tree().
  virtual Result<std::int64_t> tree_size();
  // Stored nodes, in the order asked, in one query (Errc::not_found names a missing one).
  virtual Result<std::vector<std::string>> tree_nodes(const std::vector<TreeNodeId>& ids);
  // Adds to the tree, in one transaction under the journal's lock, up to `limit` entries that
  // are stored but not in it yet (a journal written before the tree existed, or by a writer
  // without one); `build` gives their nodes, as for append_journal. Returns the tree's size
  // after, which is the head's seq once the tree has caught up.
  virtual Result<std::int64_t> extend_tree(std::size_t limit, const JournalTreeBuilder& build);

  // Signed checkpoints, append-only. add_checkpoint() returns false, storing nothing, when one
  // of that tree size is stored already (another hub node signed it first).
  virtual Result<bool> add_checkpoint(const StoredCheckpoint& c);
  virtual Result<std::optional<StoredCheckpoint>> latest_checkpoint();
  virtual Result<std::optional<StoredCheckpoint>> checkpoint_at(std::int64_t tree_size);
  // Every stored checkpoint, by tree size.
  virtual Result<void> scan_checkpoints(const CheckpointVisitor& visit);

  // Retention: erases the contents of at most `limit` entries, oldest first, whose time_ms is
  // before `before_ms` and whose seq is at most `up_to_seq`, keeping seq, time_ms, prev_hash,
  // entry_hash and the entry's leaf: `leaf` gives it from the contents about to be erased, and
  // it is stored as the tree's level-0 node (one stored already is kept as it is), so that
  // proofs for every entry still verify. One transaction. Returns how many entries were pruned.
  virtual Result<std::int64_t> prune_journal(std::int64_t before_ms, std::int64_t up_to_seq,
                                             std::int64_t pruned_ms, std::size_t limit,
                                             const JournalLeafHasher& leaf);

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
  // Every record whose member index (StreamWrite::members) holds `key`, in stream order.
  virtual Result<std::vector<MemberRef>> find_members(const std::string& key);
  // The waits index (records.hpp, Waits). Up to `limit` streams that wait and were marked due (a
  // commit wrote a key they wait for) whose name sorts after `after`, in stream order: an index
  // lookup, whatever the number of streams that wait and are not due.
  virtual Result<std::vector<std::string>> due_waits(const std::string& after, std::size_t limit);
  // Up to `limit` streams whose waits end at or before now_ms, after `after`, in stream order.
  virtual Result<std::vector<std::string>> expired_waits(std::int64_t now_ms,
                                                         const std::string& after,
                                                         std::size_t limit);
  // Marks the stream's waits not due (before it is tried again: a key written meanwhile marks
  // it due again).
  virtual Result<void> settle_waits(const std::string& stream);
  // Removes the stream's waits.
  virtual Result<void> end_waits(const std::string& stream);
  // How many records of a kind carry this label (an index count).
  virtual Result<std::int64_t> count_labelled(const std::string& kind, const std::string& label);
  virtual Result<std::optional<IdempotentAnswer>> idempotent_answer(const std::string& principal,
                                                                    const std::string& key);
  // The next value of a named counter (1, 2, 3, ...), committed at once: a value is never given
  // twice, and one whose registration then failed is skipped.
  virtual Result<std::int64_t> next_number(const std::string& counter);

  // Coordination between hub nodes (coordination.hpp); the defaults say "not supported".

  // Takes the lease `name` for `owner` for ttl_ms when it is free or expired (or already the
  // owner's: then it is extended). held == false, with the holder, when another owner has it.
  virtual Result<LeaseGrant> acquire_lease(const std::string& name, const std::string& owner,
                                           std::int64_t ttl_ms);
  // Extends the owner's lease (fence as acquired) by ttl_ms and records its progress; fails with
  // conflict/"lease_lost" when the lease has passed to another holder meanwhile.
  virtual Result<void> renew_lease(const std::string& name, const std::string& owner,
                                   std::int64_t fence, std::int64_t ttl_ms,
                                   const std::string& progress);
  // Gives the lease up at once, keeping `progress` for the next holder; forget: the lease's row
  // is deleted (a claim on a single piece of work, done). Nothing when the owner no longer holds
  // it.
  virtual Result<void> release_lease(const std::string& name, const std::string& owner,
                                     std::int64_t fence, const std::string& progress,
                                     bool forget = false);
  // A slice of a partner's quota (QuotaRequest): never more than per_window tokens in slices
  // whose use may fall in one window, across every node of the store.
  virtual Result<QuotaGrant> lease_quota(const QuotaRequest& request);
  // The change feed (feed.hpp, docs/feed.md). Up to `limit` changes after position `after`, with
  // the outbox's head and pruned bound, all read in one snapshot: a page never shows a position
  // while an earlier one is still to commit.
  virtual Result<FeedPage> read_feed(std::int64_t after, std::size_t limit);
  // Removes the changes older than before_ms (a prefix of the outbox: every position up to the
  // last one older than that) and raises pruned_through to match. The number removed.
  virtual Result<std::int64_t> prune_feed(std::int64_t before_ms);
  // The disclosures index (disclosures.hpp, docs/audit.md "Disclosures"); the defaults say "not
  // supported". add_disclosures() writes every row in one transaction (all or nothing).
  virtual Result<void> add_disclosures(const std::vector<Disclosure>& rows);
  // The rows about one subject hash, newest first, at most `limit`.
  virtual Result<std::vector<Disclosure>> list_disclosures(const std::string& subject_hmac,
                                                           std::size_t limit);
  // Removes the rows older than before_ms. The number removed.
  virtual Result<std::int64_t> prune_disclosures(std::int64_t before_ms);
  // The journal entries about one identifier hash that retention has not pruned, other than the
  // partners' pulls (operation "disclosure/...", listed from the disclosures index instead),
  // newest first, at most `limit` (an index lookup: migration 11).
  virtual Result<std::vector<JournalEntry>> journal_about(const std::string& identifier_hmac,
                                                          std::size_t limit);
  // Bulk prefill jobs (jobs.hpp, docs/jobs.md); the defaults say "not supported".

  // Stores a new job (its state as given, no item yet).
  virtual Result<void> create_prefill_job(const PrefillJob& job);
  // Adds items to a job in one transaction, counting them in its total, and those already final
  // (an identifier refused at submission: state error) in its done and errors by code. A line
  // given twice is conflict (the primary key), and nothing of the call is stored.
  virtual Result<void> add_prefill_items(const std::string& id,
                                         const std::vector<PrefillJobItem>& items);
  virtual Result<std::optional<PrefillJob>> read_prefill_job(const std::string& id);
  // The ids of the jobs queued or running, oldest first, at most `limit`.
  virtual Result<std::vector<std::string>> runnable_prefill_jobs(std::size_t limit);
  // Up to `limit` items still to answer (pending or asking) whose line is after `after_line`, in
  // line order, as they were; the pending ones are marked asking in the same transaction (in
  // flight: docs/jobs.md "Resuming"). An item that comes back as "asking" was claimed before,
  // by a runner that may have asked it.
  virtual Result<std::vector<PrefillJobItem>> claim_prefill_items(const std::string& id,
                                                                  std::int64_t after_line,
                                                                  std::size_t limit);
  // Stores the items' results (state done or error, status, error code, result) in one
  // transaction and counts them in the job's done and errors; an item already final is left as
  // it is and not counted again. `disclosures` is empty or one row per item (a row with no
  // subject_hmac: none): an item's row is added to the disclosures index in the same
  // transaction, only when its result is stored by this call (so never twice, and never lost).
  virtual Result<void> record_prefill_results(const std::string& id,
                                              const std::vector<PrefillJobItem>& items,
                                              const std::vector<Disclosure>& disclosures);
  // Sets a job's state unless it is final (done, cancelled, failed); false when it was.
  virtual Result<bool> set_prefill_job_state(const std::string& id, const std::string& state);
  // Up to `limit` items whose line is after `after_line`, in line order.
  virtual Result<std::vector<PrefillJobItem>> prefill_job_items(const std::string& id,
                                                                std::int64_t after_line,
                                                                std::size_t limit);
  // The jobs to remove (docs/jobs.md "Retention"), oldest first, at most `limit`: those final
  // (done, cancelled, failed) last changed before `ended_before_ms`, and those still receiving
  // their file last changed before `abandoned_before_ms` (an upload cut by a crash). ms since the
  // Unix epoch.
  virtual Result<std::vector<std::string>> expired_prefill_jobs(std::int64_t ended_before_ms,
                                                                std::int64_t abandoned_before_ms,
                                                                std::size_t limit);
  // Removes up to `max_items` of a job's items in one transaction, and with the last of them its
  // errors and the job itself; true once nothing of the job is left (a job that does not exist
  // included). Called again until true, a large job goes in bounded transactions.
  virtual Result<bool> remove_prefill_job(const std::string& id, std::size_t max_items);

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

// The error of a lease renewed after it passed to another holder: the work under it must stop.
inline constexpr std::string_view kLeaseLost = "lease_lost";
Error lease_lost(const std::string& name);

// Opens the store and applies the pending schema migrations.
Result<std::unique_ptr<Store>> open(const Options& options);

}  // namespace hub::store
