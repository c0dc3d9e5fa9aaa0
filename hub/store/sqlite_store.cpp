#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "hub/core/files.hpp"
#include "hub/store/store.hpp"

namespace hub::store {
namespace {

Error sqlite_error(sqlite3* db, const std::string& what) {
  return make_error(Errc::internal, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"),
                    "store_error");
}

// Versioned migrations: each applied once, in order, in one transaction with its version row.
const char* const kMigrations[] = {
    "CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // 2: the exchange journal (hub/audit). The head row is what appenders lock and what shows a
    // verifier that entries were cut from the end; the triggers make an accidental UPDATE or
    // DELETE fail loudly (they do not stop someone who can drop them: the chain does that).
    "CREATE TABLE audit_journal ("
    " seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, principal TEXT NOT NULL,"
    " purpose TEXT NOT NULL, correlation_id TEXT NOT NULL, partner TEXT NOT NULL,"
    " operation TEXT NOT NULL, identifier_hmac TEXT NOT NULL, identifier_masked TEXT NOT NULL,"
    " outcome TEXT NOT NULL, latency_us INTEGER NOT NULL, response_sha256 TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL);"
    "CREATE TABLE audit_journal_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    " hash TEXT NOT NULL);"
    "INSERT INTO audit_journal_head VALUES (1, 0, "
    "'0000000000000000000000000000000000000000000000000000000000000000');"
    "CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal"
    " BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;"
    "CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal"
    " BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;",
    // 3: registration records (hub/registry): append-only event streams, the state each folds
    // to, the unique lookup keys, the first answers of idempotent requests, number counters.
    "CREATE TABLE registry_events ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, version INTEGER NOT NULL,"
    " type TEXT NOT NULL, time_ms INTEGER NOT NULL, principal TEXT NOT NULL,"
    " reason TEXT NOT NULL, source TEXT NOT NULL, correlation_id TEXT NOT NULL,"
    " data TEXT NOT NULL, UNIQUE (stream, version));"
    "CREATE TRIGGER registry_events_no_update BEFORE UPDATE ON registry_events"
    " BEGIN SELECT RAISE(ABORT, 'the registration history is append-only'); END;"
    "CREATE TRIGGER registry_events_no_delete BEFORE DELETE ON registry_events"
    " BEGIN SELECT RAISE(ABORT, 'the registration history is append-only'); END;"
    "CREATE TABLE registry_records (stream TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " version INTEGER NOT NULL, state TEXT NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX registry_records_by_kind ON registry_records (kind, stream);"
    "CREATE TABLE registry_keys (key TEXT PRIMARY KEY, stream TEXT NOT NULL);"
    "CREATE TABLE registry_idempotency (principal TEXT NOT NULL, key TEXT NOT NULL,"
    " request_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
    " etag TEXT NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY (principal, key));"
    "CREATE TABLE registry_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    // 4: a label per record, indexed with its kind (StreamWrite::label). The events inbox is its
    // one user so far: its records written before this migration get their status as label.
    "ALTER TABLE registry_records ADD COLUMN label TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX registry_records_by_label ON registry_records (kind, label, stream);"
    "UPDATE registry_records SET label = coalesce(json_extract(state, '$.status'), '')"
    " WHERE kind = 'partner_event';",
    // 5: the journal grows only at its end: an inserted entry must follow the last stored one
    // (seq one more, prev_hash its entry_hash; seq 1 and the genesis value for the first). The
    // head moves once per batch, so rows are checked against the last row, which the primary
    // key finds at once; a correctly chained row inserted past the head by someone else passes
    // here, and is what the writer's head check and `audit verify` catch.
    "CREATE TRIGGER audit_journal_extends_chain BEFORE INSERT ON audit_journal"
    " WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM audit_journal), 0) + 1"
    " OR NEW.prev_hash IS NOT coalesce((SELECT entry_hash FROM audit_journal"
    " ORDER BY seq DESC LIMIT 1),"
    " '0000000000000000000000000000000000000000000000000000000000000000')"
    " BEGIN SELECT RAISE(ABORT, 'the exchange journal only grows at its end: an entry needs"
    " seq = the last seq + 1 and prev_hash = the last entry_hash'); END;",
    // 6: coordination (coordination.hpp): the same tables as on PostgreSQL, for the one process
    // that uses a SQLite file (its leases and quota slices then only ever see that process).
    "CREATE TABLE hub_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, fence INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, progress TEXT NOT NULL);"
    "CREATE TABLE partner_quota_slices (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " partner TEXT NOT NULL, node TEXT NOT NULL, granted_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, tokens INTEGER NOT NULL);"
    "CREATE INDEX partner_quota_slices_by_partner ON partner_quota_slices (partner, expires_ms);",
    // 7: the journal's Merkle tree (RFC 9162): node (level, idx) is the root of leaves
    // [idx * 2^level, (idx + 1) * 2^level), written in the transaction that appends the entries;
    // the signed checkpoints; and retention: an entry's contents may be erased (pruned_ms set)
    // once a checkpoint covers it and its leaf is stored, its seq, time and hashes kept. Any
    // other change is still refused.
    "CREATE TABLE audit_tree (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    "CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree"
    " BEGIN SELECT RAISE(ABORT, 'the journal tree is append-only'); END;"
    "CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree"
    " BEGIN SELECT RAISE(ABORT, 'the journal tree is append-only'); END;"
    "CREATE TABLE audit_checkpoints (tree_size INTEGER PRIMARY KEY, root TEXT NOT NULL,"
    " signed_ms INTEGER NOT NULL, note TEXT NOT NULL, timestamp TEXT NOT NULL);"
    "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'the journal checkpoints are append-only'); END;"
    "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'the journal checkpoints are append-only'); END;"
    "ALTER TABLE audit_journal ADD COLUMN pruned_ms INTEGER NOT NULL DEFAULT 0;"
    "DROP TRIGGER IF EXISTS audit_journal_no_update;"
    "CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal WHEN NOT ("
    " OLD.pruned_ms = 0 AND NEW.pruned_ms > 0 AND NEW.seq = OLD.seq AND NEW.time_ms = OLD.time_ms"
    " AND NEW.prev_hash = OLD.prev_hash AND NEW.entry_hash = OLD.entry_hash"
    " AND NEW.principal = '' AND NEW.purpose = '' AND NEW.correlation_id = ''"
    " AND NEW.partner = '' AND NEW.operation = '' AND NEW.identifier_hmac = ''"
    " AND NEW.identifier_masked = '' AND NEW.outcome = '' AND NEW.latency_us = 0"
    " AND NEW.response_sha256 = ''"
    " AND EXISTS (SELECT 1 FROM audit_tree WHERE level = 0 AND idx = OLD.seq - 1)"
    " AND OLD.seq <= (SELECT coalesce(max(tree_size), 0) FROM audit_checkpoints))"
    " BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only: an entry can only be"
    " pruned (its contents erased; its seq, time, hashes and leaf kept; a checkpoint covering"
    " it)'); END;",
    // 8: the change feed's outbox
    // (feed.hpp, docs/feed.md). The head row holds the last position given and the pruned
    // bound; a commit takes its positions from it under the write lock, so positions follow
    // commit order with no gap.
    "CREATE TABLE feed_outbox (position INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
    " kind TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,"
    " time_ms INTEGER NOT NULL, state TEXT NOT NULL);"
    "CREATE TABLE feed_outbox_head (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " position INTEGER NOT NULL, pruned_through INTEGER NOT NULL);"
    "INSERT INTO feed_outbox_head VALUES (1, 0, 0);",
    // 9: the member index
    // (records.hpp, MemberEntry): every record that names a person, by the person's keys, so
    // that a civil event about a child finds each family the child is in. Filled here from the
    // families already stored, under the keys the registry writes (families.cpp, member_index).
    "CREATE TABLE registry_members (key TEXT NOT NULL, stream TEXT NOT NULL,"
    " member TEXT NOT NULL, PRIMARY KEY (key, stream, member)) WITHOUT ROWID;"
    "CREATE INDEX registry_members_by_stream ON registry_members (stream);"
    "INSERT OR IGNORE INTO registry_members (key, stream, member)"
    " SELECT p.prefix || json_extract(m.value, p.path), r.stream, m.key"
    " FROM registry_records r, json_each(r.state, '$.members') m,"
    " (SELECT 'cnie/' AS prefix, '$.cnie' AS path UNION ALL SELECT 'act/', '$.birth_act.number'"
    " UNION ALL SELECT 'born/', '$.birth_date') p"
    " WHERE r.kind = 'family' AND json_type(m.value, p.path) = 'text';",
    // 10: the journal's tree keeps its nodes from level 4 up (hub/audit/journal_tree.hpp's
    // kFirstStoredLevel): those below are computed again from the 16 entries under them, except
    // a pruned entry's leaf, which its contents can no longer give. The tree's size, which the
    // leaves gave, is kept in the head row.
    "ALTER TABLE audit_journal_head ADD COLUMN tree_size INTEGER NOT NULL DEFAULT 0;"
    "UPDATE audit_journal_head SET tree_size ="
    " (SELECT coalesce(max(idx) + 1, 0) FROM audit_tree WHERE level = 0);"
    "DROP TRIGGER audit_tree_no_delete;"
    "DELETE FROM audit_tree WHERE level < 4 AND NOT (level = 0 AND EXISTS (SELECT 1"
    " FROM audit_journal WHERE seq = audit_tree.idx + 1 AND pruned_ms > 0));"
    "CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree"
    " BEGIN SELECT RAISE(ABORT, 'the journal tree is append-only'); END;",
    // 11: the disclosures index
    // (disclosures.hpp, docs/audit.md "Disclosures"), and the journal's entries by identifier
    // hash, for the lists of who received what about a person or an employer.
    "CREATE TABLE disclosures (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL,"
    " subject_hmac TEXT NOT NULL, identifier_masked TEXT NOT NULL, principal TEXT NOT NULL,"
    " agreement TEXT NOT NULL, purpose TEXT NOT NULL, resource TEXT NOT NULL,"
    " fields TEXT NOT NULL, outcome TEXT NOT NULL, correlation_id TEXT NOT NULL);"
    "CREATE INDEX disclosures_by_subject ON disclosures (subject_hmac, id);"
    "CREATE INDEX disclosures_by_time ON disclosures (time_ms);"
    "CREATE INDEX audit_journal_by_identifier ON audit_journal (identifier_hmac, seq);",
    // 12: bulk prefill jobs (jobs.hpp, docs/jobs.md): a job, its items one a line of the file
    // (the primary key keeps them in line order: what the runner and the results read), and its
    // errors counted by code.
    "CREATE TABLE prefill_jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, purpose TEXT NOT NULL,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX prefill_jobs_by_state ON prefill_jobs (state, created_ms);"
    "CREATE TABLE prefill_job_items (job TEXT NOT NULL, line INTEGER NOT NULL,"
    " identifier TEXT NOT NULL, state TEXT NOT NULL, status INTEGER NOT NULL,"
    " error TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (job, line)) WITHOUT ROWID;"
    "CREATE TABLE prefill_job_errors (job TEXT NOT NULL, code TEXT NOT NULL,"
    " items INTEGER NOT NULL, PRIMARY KEY (job, code)) WITHOUT ROWID;",
    // 13 (docs/jobs.md "Disclosures"): the bulk prefill job that
    // disclosed a row of the disclosures index ('' for a partner's pull).
    "ALTER TABLE disclosures ADD COLUMN job TEXT NOT NULL DEFAULT ''",
    // 14: the waits index (records.hpp, Waits): the keys a waiting record (a partner event no
    // family concerns yet) waits for; a commit that writes one marks it due. The partial index
    // is what the events sweep reads: those due, whatever the number waiting.
    "CREATE TABLE registry_waits (key TEXT NOT NULL, stream TEXT NOT NULL,"
    " until_ms INTEGER NOT NULL, due INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (key, stream)) WITHOUT ROWID;"
    "CREATE INDEX registry_waits_by_stream ON registry_waits (stream);"
    "CREATE INDEX registry_waits_due ON registry_waits (stream) WHERE due = 1;"
    "CREATE INDEX registry_waits_by_end ON registry_waits (until_ms, stream);",
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kJournalColumns =
    "seq, time_ms, principal, purpose, correlation_id, partner, operation, identifier_hmac,"
    " identifier_masked, outcome, latency_us, response_sha256, prev_hash, entry_hash";
// What a scan reads: the columns, then retention's (a pruned entry's leaf from the tree).
constexpr const char* kJournalScanColumns =
    "seq, time_ms, principal, purpose, correlation_id, partner, operation, identifier_hmac,"
    " identifier_masked, outcome, latency_us, response_sha256, prev_hash, entry_hash, pruned_ms,"
    " CASE WHEN pruned_ms > 0 THEN coalesce((SELECT hash FROM audit_tree WHERE level = 0"
    " AND idx = audit_journal.seq - 1), '') ELSE '' END";
constexpr const char* kCheckpointColumns = "tree_size, root, signed_ms, note, timestamp";
constexpr int kScanPage = 512;
// Where retention remembers the last entry it pruned (entries are pruned oldest first).
constexpr const char* kPrunedThroughKey = "audit_journal_pruned_through";

// A prepared statement: owned (finalized when done), or borrowed from the statements a store
// keeps prepared for the connection's life (reset and unbound when done, to be used again).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) st_ = nullptr;
  }
  static Statement borrowed(sqlite3_stmt* kept) { return Statement(kept); }
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(st_);
    } else if (st_ != nullptr) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  explicit operator bool() const { return st_ != nullptr; }
  sqlite3_stmt* get() const { return st_; }

  void bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(st_, i, v); }
  void bind(int i, int v) { sqlite3_bind_int64(st_, i, v); }
  // Runs a statement that returns no row, ready to run again with new bindings.
  bool run() {
    const bool ok = sqlite3_step(st_) == SQLITE_DONE;
    sqlite3_reset(st_);
    return ok;
  }

  std::string text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i)))
             : std::string();
  }
  std::int64_t int64(int i) const { return sqlite3_column_int64(st_, i); }

 private:
  explicit Statement(sqlite3_stmt* kept) : st_(kept), owned_(false) {}
  sqlite3_stmt* st_ = nullptr;
  bool owned_ = true;
};

void bind_entry(Statement& st, const JournalEntry& e) {
  st.bind(1, e.seq);
  st.bind(2, e.time_ms);
  st.bind(3, e.principal);
  st.bind(4, e.purpose);
  st.bind(5, e.correlation_id);
  st.bind(6, e.partner);
  st.bind(7, e.operation);
  st.bind(8, e.identifier_hmac);
  st.bind(9, e.identifier_masked);
  st.bind(10, e.outcome);
  st.bind(11, e.latency_us);
  st.bind(12, e.response_sha256);
  st.bind(13, e.prev_hash);
  st.bind(14, e.entry_hash);
}

JournalEntry read_entry(const Statement& st) {
  JournalEntry e;
  e.seq = st.int64(0);
  e.time_ms = st.int64(1);
  e.principal = st.text(2);
  e.purpose = st.text(3);
  e.correlation_id = st.text(4);
  e.partner = st.text(5);
  e.operation = st.text(6);
  e.identifier_hmac = st.text(7);
  e.identifier_masked = st.text(8);
  e.outcome = st.text(9);
  e.latency_us = st.int64(10);
  e.response_sha256 = st.text(11);
  e.prev_hash = st.text(12);
  e.entry_hash = st.text(13);
  e.pruned_ms = st.int64(14);
  e.leaf_hash = st.text(15);
  return e;
}

StoredCheckpoint read_checkpoint(const Statement& st) {
  return StoredCheckpoint{st.int64(0), st.text(1), st.int64(2), st.text(3), st.text(4)};
}

Error missing_node(const TreeNodeId& id) {
  return make_error(Errc::not_found,
                    "the journal tree's node (" + std::to_string(id.level) + ", " +
                        std::to_string(id.index) + ") is not stored",
                    "tree_node_missing");
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override {
    for (auto& [sql, st] : kept_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }

  std::string engine() const override { return "sqlite"; }

  Result<void> exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return make_error(Errc::internal, std::string("sqlite: ") + msg, "store_error");
    }
    return {};
  }

  // A statement prepared on first use and kept for the connection's life: every statement whose
  // text is fixed (compiling one again at each call was a fifth of the journal writer's CPU, and
  // most of a registration's SQLite time). Not for text built per call: the cache would grow.
  Statement kept(const char* sql) {
    auto it = kept_.find(std::string_view(sql));
    if (it == kept_.end()) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
        return Statement::borrowed(nullptr);
      }
      it = kept_.emplace(sql, st).first;
    }
    return Statement::borrowed(it->second);
  }

  // exec() for a statement without parameters run again and again (BEGIN, COMMIT, PRAGMA...).
  Result<void> exec_kept(const char* sql) {
    auto st = kept(sql);
    if (!st) return sqlite_error(db_, std::string("cannot prepare ") + sql);
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(st.get());
    if (rc != SQLITE_DONE) return sqlite_error(db_, std::string("sqlite: ") + sql);
    return {};
  }

  Result<int> schema_version() override {
    std::lock_guard lock(mutex_);
    return user_version();
  }

  Result<int> user_version() {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK) {
      return sqlite_error(db_, "cannot read the schema version");
    }
    int v = 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
  }

  Result<void> migrate() {
    std::lock_guard lock(mutex_);
    auto current = user_version();
    if (!current) return current.error();
    const int target = static_cast<int>(std::size(kMigrations));
    for (int v = *current; v < target; ++v) {
      if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
      auto r = exec(kMigrations[v]);
      if (r) r = exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      if (!r) {
        (void)exec("ROLLBACK");
        return r;
      }
      if (auto c = exec("COMMIT"); !c) return c;
    }
    return {};
  }

  // Bounded: a call holding the connection while it waits on a lock taken from outside (up to the
  // 5 s busy timeout, again at each retry) must not hold /readyz for as long.
  Result<void> ping() override {
    std::unique_lock lock(mutex_, kPingWait);
    if (!lock.owns_lock()) {
      return make_error(Errc::store_unavailable,
                        "the SQLite store is busy: a call has waited on its lock for over " +
                            std::to_string(kPingWait.count()) + " ms",
                        "store_busy");
    }
    return exec("SELECT 1");
  }

  Result<JournalHead> append_journal(std::vector<JournalEntry>& entries, const JournalSealer& seal,
                                     const JournalTreeBuilder& tree) override {
    std::lock_guard lock(mutex_);
    return durably<JournalHead>([&] { return append_locked(entries, seal, tree); });
  }

  Result<std::int64_t> extend_tree(std::size_t limit, const JournalTreeBuilder& build) override {
    std::lock_guard lock(mutex_);
    return durably<std::int64_t>([&] { return extend_tree_locked(limit, build); });
  }

  Result<std::int64_t> tree_size() override {
    std::lock_guard lock(mutex_);
    return tree_size_locked();
  }

  Result<std::vector<JournalEntry>> journal_entries(std::int64_t first_seq,
                                                    std::int64_t last_seq) override {
    std::lock_guard lock(mutex_);
    return entries_locked(first_seq, last_seq);
  }

  Result<std::vector<std::string>> tree_nodes(const std::vector<TreeNodeId>& ids) override {
    std::lock_guard lock(mutex_);
    return tree_nodes_locked(ids);
  }

  Result<bool> add_checkpoint(const StoredCheckpoint& c) override {
    std::lock_guard lock(mutex_);
    auto st = kept(
        "INSERT INTO audit_checkpoints (tree_size, root, signed_ms, note, timestamp)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tree_size) DO NOTHING");
    if (!st) return sqlite_error(db_, "cannot prepare the checkpoint insert");
    st.bind(1, c.tree_size);
    st.bind(2, c.root);
    st.bind(3, c.signed_ms);
    st.bind(4, c.note);
    st.bind(5, c.timestamp);
    if (sqlite3_step(st.get()) != SQLITE_DONE)
      return sqlite_error(db_, "cannot store a checkpoint");
    return sqlite3_changes(db_) == 1;
  }

  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override {
    return one_checkpoint(std::string("SELECT ") + kCheckpointColumns +
                              " FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1",
                          std::nullopt);
  }

  Result<std::optional<StoredCheckpoint>> checkpoint_at(std::int64_t tree_size) override {
    return one_checkpoint(
        std::string("SELECT ") + kCheckpointColumns + " FROM audit_checkpoints WHERE tree_size = ?",
        tree_size);
  }

  Result<void> scan_checkpoints(const CheckpointVisitor& visit) override {
    return scan_pages<StoredCheckpoint>(
        std::string("SELECT ") + kCheckpointColumns +
            " FROM audit_checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT " +
            std::to_string(kScanPage),
        -1, read_checkpoint, [](const StoredCheckpoint& c) { return c.tree_size; }, visit,
        "cannot read the checkpoints");
  }

  Result<std::int64_t> prune_journal(std::int64_t before_ms, std::int64_t up_to_seq,
                                     std::int64_t pruned_ms, std::size_t limit,
                                     const JournalLeafHasher& leaf) override {
    std::lock_guard lock(mutex_);
    auto r = exec_kept("BEGIN IMMEDIATE");
    if (!r) return r.error();
    auto pruned = prune_locked(before_ms, up_to_seq, pruned_ms, limit, leaf);
    if (pruned) {
      if (auto c = exec_kept("COMMIT"); !c) pruned = c.error();
    }
    if (!pruned) (void)exec_kept("ROLLBACK");
    return pruned;
  }

  Result<JournalHead> journal_head() override {
    std::lock_guard lock(mutex_);
    return head_locked();
  }

  Result<void> scan_journal(std::int64_t from_seq, const JournalVisitor& visit) override {
    return scan_pages<JournalEntry>(
        std::string("SELECT ") + kJournalScanColumns +
            " FROM audit_journal WHERE seq > ? ORDER BY seq LIMIT " + std::to_string(kScanPage),
        from_seq - 1, read_entry, [](const JournalEntry& e) { return e.seq; }, visit,
        "cannot read the journal");
  }

 private:
  // Runs `write` in a transaction that takes the write lock first and whose commit reaches the
  // disk: the journal promises durability once written (with group commit, one fsync a batch);
  // other writes keep synchronous = NORMAL. IMMEDIATE takes the lock before the head is read,
  // so another connection (another process) cannot read the same head and fork the chain.
  template <class T, class F>
  Result<T> durably(F&& write) {
    if (auto r = exec_kept("PRAGMA synchronous = FULL"); !r) return r.error();
    auto r = exec_kept("BEGIN IMMEDIATE");
    Result<T> out = r ? write() : Result<T>(r.error());
    if (out) {
      if (auto c = exec_kept("COMMIT"); !c) out = c.error();
    }
    if (!out && r) (void)exec_kept("ROLLBACK");
    (void)exec_kept("PRAGMA synchronous = NORMAL");
    return out;
  }

  Result<std::int64_t> tree_size_locked() {
    auto st = kept("SELECT tree_size FROM audit_journal_head WHERE id = 1");
    if (!st || sqlite3_step(st.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot read the journal tree's size");
    }
    return st.int64(0);
  }

  Result<std::vector<std::string>> tree_nodes_locked(const std::vector<TreeNodeId>& ids) {
    auto st = kept("SELECT hash FROM audit_tree WHERE level = ? AND idx = ?");
    if (!st) return sqlite_error(db_, "cannot read the journal tree");
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (const auto& id : ids) {
      st.bind(1, id.level);
      st.bind(2, id.index);
      const int rc = sqlite3_step(st.get());
      if (rc == SQLITE_ROW) out.push_back(st.text(0));
      sqlite3_reset(st.get());
      if (rc == SQLITE_DONE) return missing_node(id);
      if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read the journal tree");
    }
    return out;
  }

  // Builds the nodes of `entries` (after size_before leaves) and stores them.
  Result<void> add_tree_nodes_locked(const JournalTreeBuilder& build, std::int64_t size_before,
                                     const std::vector<JournalEntry>& entries) {
    const TreeReader read{
        [this](const std::vector<TreeNodeId>& ids) { return tree_nodes_locked(ids); },
        [this](std::int64_t first, std::int64_t last) { return entries_locked(first, last); }};
    auto nodes = build(read, size_before, entries);
    if (!nodes) return nodes.error();
    auto insert = kept("INSERT INTO audit_tree (level, idx, hash) VALUES (?, ?, ?)");
    if (!insert) return sqlite_error(db_, "cannot prepare the journal tree insert");
    for (const auto& n : *nodes) {
      insert.bind(1, n.id.level);
      insert.bind(2, n.id.index);
      insert.bind(3, n.hash);
      if (!insert.run()) return sqlite_error(db_, "cannot add to the journal tree");
    }
    return {};
  }

  Result<std::int64_t> extend_tree_locked(std::size_t limit, const JournalTreeBuilder& build) {
    auto head = head_locked();
    if (!head) return head.error();
    auto size = tree_size_locked();
    if (!size || *size >= head->seq) return size;
    auto entries = entries_locked(
        *size + 1, std::min<std::int64_t>(head->seq, *size + static_cast<std::int64_t>(limit)));
    if (!entries) return entries.error();
    if (entries->empty()) return *size;
    if (auto added = add_tree_nodes_locked(build, *size, *entries); !added) return added.error();
    const auto grown = *size + static_cast<std::int64_t>(entries->size());
    auto update = kept("UPDATE audit_journal_head SET tree_size = ? WHERE id = 1");
    update.bind(1, grown);
    if (!update || !update.run()) return sqlite_error(db_, "cannot record the journal tree's size");
    return grown;
  }

  // Entries first_seq to last_seq, as a scan reads them.
  Result<std::vector<JournalEntry>> entries_locked(std::int64_t first_seq, std::int64_t last_seq) {
    static const std::string sql = std::string("SELECT ") + kJournalScanColumns +
                                   " FROM audit_journal WHERE seq >= ? AND seq <= ? ORDER BY seq";
    auto st = kept(sql.c_str());
    if (!st) return sqlite_error(db_, "cannot read the journal");
    st.bind(1, first_seq);
    st.bind(2, last_seq);
    std::vector<JournalEntry> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(read_entry(st));
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal");
    return out;
  }

  Result<std::optional<StoredCheckpoint>> one_checkpoint(const std::string& sql,
                                                         std::optional<std::int64_t> size) {
    std::lock_guard lock(mutex_);
    Statement st(db_, sql.c_str());
    if (!st) return sqlite_error(db_, "cannot read a checkpoint");
    if (size) st.bind(1, *size);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<StoredCheckpoint>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read a checkpoint");
    return std::optional<StoredCheckpoint>(read_checkpoint(st));
  }

  Result<std::int64_t> meta_int(const char* key) {
    auto st = kept("SELECT value FROM hub_meta WHERE key = ?");
    if (!st) return sqlite_error(db_, "cannot read hub_meta");
    st.bind(1, std::string(key));
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read hub_meta");
    return std::strtoll(st.text(0).c_str(), nullptr, 10);
  }

  // Stores the leaves of entries first_seq to last_seq that are not pruned yet, as level-0 nodes.
  Result<void> keep_leaves_locked(std::int64_t first_seq, std::int64_t last_seq,
                                  const JournalLeafHasher& leaf) {
    auto pruning = entries_locked(first_seq, last_seq);
    if (!pruning) return pruning.error();
    auto insert =
        kept("INSERT INTO audit_tree (level, idx, hash) VALUES (0, ?, ?) ON CONFLICT DO NOTHING");
    if (!insert) return sqlite_error(db_, "cannot prepare the journal tree insert");
    for (const auto& e : *pruning) {
      if (e.pruned_ms > 0) continue;
      insert.bind(1, e.seq - 1);
      insert.bind(2, leaf(e));
      if (!insert.run()) return sqlite_error(db_, "cannot keep a pruned entry's leaf");
    }
    return {};
  }

  Result<std::int64_t> prune_locked(std::int64_t before_ms, std::int64_t up_to_seq,
                                    std::int64_t pruned_ms, std::size_t limit,
                                    const JournalLeafHasher& leaf) {
    auto through = meta_int(kPrunedThroughKey);
    if (!through) return through;
    // Oldest first, stopping at the first entry too recent: the pruned entries are a prefix.
    auto pick = kept(
        "SELECT seq, time_ms FROM audit_journal WHERE seq > ? AND seq <= ?"
        " ORDER BY seq LIMIT ?");
    if (!pick) return sqlite_error(db_, "cannot read the journal");
    pick.bind(1, *through);
    pick.bind(2, up_to_seq);
    pick.bind(3, static_cast<std::int64_t>(limit));
    std::int64_t last = *through;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(pick.get())) == SQLITE_ROW && pick.int64(1) < before_ms) {
      last = pick.int64(0);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal");
    if (last == *through) return 0;
    if (auto kept_leaves = keep_leaves_locked(*through + 1, last, leaf); !kept_leaves) {
      return kept_leaves.error();
    }
    auto update = kept(
        "UPDATE audit_journal SET principal = '', purpose = '', correlation_id = '',"
        " partner = '', operation = '', identifier_hmac = '', identifier_masked = '',"
        " outcome = '', latency_us = 0, response_sha256 = '', pruned_ms = ?"
        " WHERE seq > ? AND seq <= ? AND pruned_ms = 0");
    if (!update) return sqlite_error(db_, "cannot prepare the journal's pruning");
    update.bind(1, pruned_ms);
    update.bind(2, *through);
    update.bind(3, last);
    if (!update.run()) return sqlite_error(db_, "cannot prune the journal");
    const std::int64_t pruned = sqlite3_changes(db_);
    auto mark = kept(
        "INSERT INTO hub_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!mark) return sqlite_error(db_, "cannot prepare hub_meta");
    mark.bind(1, std::string(kPrunedThroughKey));
    mark.bind(2, std::to_string(last));
    if (!mark.run()) return sqlite_error(db_, "cannot record the journal's pruning");
    return pruned;
  }

  // One statement on the lease (name, owner, fence) with its new expiry and progress (?1-?5).
  Result<void> change_lease(const char* sql, const std::string& name, const std::string& owner,
                            std::int64_t fence, std::int64_t expires_ms,
                            const std::string& progress, const char* what) {
    Statement st(db_, sql);
    if (!st) return sqlite_error(db_, what);
    st.bind(1, name);
    st.bind(2, owner);
    st.bind(3, fence);
    st.bind(4, expires_ms);
    st.bind(5, progress);
    if (!st.run()) return sqlite_error(db_, what);
    return {};
  }

  static LeaseGrant lease_grant(const Statement& st, bool held) {
    return LeaseGrant{held, st.text(0), st.int64(1), std::max<std::int64_t>(st.int64(2), 0),
                      st.text(3)};
  }

  // hub_lease_quota() of the PostgreSQL store, statement by statement.
  Result<QuotaGrant> lease_quota_locked(const QuotaRequest& q, std::int64_t now) {
    auto close = kept(
        "UPDATE partner_quota_slices SET tokens = min(tokens, max(?3, 0)),"
        " expires_ms = min(expires_ms, granted_ms + max(?4, 0))"
        " WHERE id = ?1 AND node = ?2 AND partner = ?5");
    auto drop = kept("DELETE FROM partner_quota_slices WHERE partner = ? AND expires_ms < ?");
    auto live = kept(
        "SELECT coalesce(sum(tokens), 0), min(expires_ms) FROM partner_quota_slices"
        " WHERE partner = ?");
    auto grant = kept(
        "INSERT INTO partner_quota_slices (partner, node, granted_ms, expires_ms,"
        " tokens) VALUES (?, ?, ?, ?, ?)");
    if (!close || !drop || !live || !grant) return sqlite_error(db_, "cannot lease a quota");
    close.bind(1, q.close_id);
    close.bind(2, q.node);
    close.bind(3, q.close_used);
    close.bind(4, q.close_after_ms);
    close.bind(5, q.partner);
    drop.bind(1, q.partner);
    drop.bind(2, now - q.window_ms);
    live.bind(1, q.partner);
    if ((q.close_id > 0 && !close.run()) || !drop.run() || sqlite3_step(live.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot lease a quota");
    }
    QuotaGrant g;
    g.tokens = std::min(q.want, q.per_window - live.int64(0));
    if (g.tokens <= 0) {
      const bool any = sqlite3_column_type(live.get(), 1) != SQLITE_NULL;
      g.tokens = 0;
      g.retry_in_ms = std::max<std::int64_t>(any ? live.int64(1) + q.window_ms - now : 0, 0) + 1;
      return g;
    }
    grant.bind(1, q.partner);
    grant.bind(2, q.node);
    grant.bind(3, now);
    grant.bind(4, now + q.lease_ms);
    grant.bind(5, g.tokens);
    if (!grant.run()) return sqlite_error(db_, "cannot lease a quota");
    g.id = sqlite3_last_insert_rowid(db_);
    g.lease_ms = q.lease_ms;
    return g;
  }

  Result<JournalHead> head_locked() {
    auto st = kept("SELECT seq, hash FROM audit_journal_head WHERE id = 1");
    if (!st || sqlite3_step(st.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot read the journal head");
    }
    return JournalHead{st.int64(0), st.text(1)};
  }

  // The stored entries from the head's seq on, two at most (head_agrees()).
  Result<std::vector<JournalHead>> from_head_locked(std::int64_t head_seq) {
    auto st = kept("SELECT seq, entry_hash FROM audit_journal WHERE seq >= ? ORDER BY seq LIMIT 2");
    if (!st) return sqlite_error(db_, "cannot read the journal's end");
    st.bind(1, std::max<std::int64_t>(head_seq, 1));
    std::vector<JournalHead> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back({st.int64(0), st.text(1)});
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal's end");
    return out;
  }

  // Visits the rows of `sql` (one ? parameter: rows whose key is above it, in key order, at most
  // kScanPage) page after page, the store unlocked while `visit` runs; stops when it returns
  // false.
  template <class Row, class Read, class Key, class Visit>
  Result<void> scan_pages(const std::string& sql, std::int64_t after, Read read, Key key,
                          const Visit& visit, const char* what) {
    for (;;) {
      std::vector<Row> page;
      {
        std::lock_guard lock(mutex_);
        Statement st(db_, sql.c_str());
        if (!st) return sqlite_error(db_, what);
        st.bind(1, after);
        int rc = SQLITE_OK;
        while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) page.push_back(read(st));
        if (rc != SQLITE_DONE) return sqlite_error(db_, what);
      }
      for (const auto& row : page) {
        if (!visit(row)) return {};
      }
      if (page.size() < static_cast<std::size_t>(kScanPage)) return {};
      after = key(page.back());
    }
  }

  Result<JournalHead> append_locked(std::vector<JournalEntry>& entries, const JournalSealer& seal,
                                    const JournalTreeBuilder& tree) {
    auto head = head_locked();
    if (!head) return head;
    // Under the write lock, so that nothing can slip in between the check and the inserts.
    auto from_head = from_head_locked(head->seq);
    if (!from_head) return from_head.error();
    if (auto agree = head_agrees(*head, *from_head); !agree) return agree.error();
    static const std::string sql = std::string("INSERT INTO audit_journal (") + kJournalColumns +
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    auto insert = kept(sql.c_str());
    if (!insert) return sqlite_error(db_, "cannot prepare the journal insert");
    const std::int64_t size_before = head->seq;
    for (auto& e : entries) {
      e.seq = head->seq + 1;
      e.prev_hash = head->hash;
      e.entry_hash = seal(e);
      bind_entry(insert, e);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        return sqlite_error(db_, "cannot append to the journal");
      }
      sqlite3_reset(insert.get());
      head->seq = e.seq;
      head->hash = e.entry_hash;
    }
    if (tree && !entries.empty()) {
      if (auto added = add_tree_nodes_locked(tree, size_before, entries); !added) {
        return added.error();
      }
    }
    // With the tree, its size follows the head (the builder gave every entry's nodes).
    auto update = kept(tree && !entries.empty()
                           ? "UPDATE audit_journal_head SET seq = ?1, hash = ?2, tree_size = ?1"
                             " WHERE id = 1"
                           : "UPDATE audit_journal_head SET seq = ?, hash = ? WHERE id = 1");
    if (!update) return sqlite_error(db_, "cannot prepare the journal head update");
    update.bind(1, head->seq);
    update.bind(2, head->hash);
    if (sqlite3_step(update.get()) != SQLITE_DONE) {
      return sqlite_error(db_, "cannot move the journal head");
    }
    return head;
  }

  sqlite3* db_;
  static constexpr std::chrono::milliseconds kPingWait{1000};
  std::timed_mutex mutex_;  // timed for ping() only
  // kept(): SQL -> its statement, looked up by the SQL's text without a copy of it.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> kept_;

 public:
  Result<void> commit_records(const RecordCommit& commit) override {
    {
      std::lock_guard lock(mutex_);
      auto r = exec_kept("BEGIN IMMEDIATE");
      if (!r) return r;
      r = commit_locked(commit);
      // Last, so that the positions are taken just before the commit (docs/feed.md).
      if (r) r = append_feed_locked(commit);
      if (r) r = exec_kept("COMMIT");
      if (!r) {
        (void)exec_kept("ROLLBACK");
        return r;
      }
    }
    if (feed_events(commit) > 0) feed_appended();
    return {};
  }

  Result<FeedPage> read_feed(std::int64_t after, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    // One read transaction: the head and the rows come from the same snapshot.
    if (auto r = exec_kept("BEGIN"); !r) return r.error();
    auto page = read_feed_locked(after, limit);
    (void)exec_kept("COMMIT");
    return page;
  }

  Result<void> add_disclosures(const std::vector<Disclosure>& rows) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec_kept("BEGIN IMMEDIATE"); !r) return r.error();
    Result<void> out = add_disclosures_locked(rows);
    if (out) {
      if (auto c = exec_kept("COMMIT"); !c) out = c.error();
    }
    if (!out) (void)exec_kept("ROLLBACK");
    return out;
  }

  Result<std::vector<Disclosure>> list_disclosures(const std::string& subject_hmac,
                                                   std::size_t limit) override {
    std::lock_guard lock(mutex_);
    auto st = kept(
        "SELECT id, time_ms, subject_hmac, identifier_masked, principal, agreement,"
        " purpose, resource, fields, outcome, correlation_id, job FROM disclosures"
        " WHERE subject_hmac = ? ORDER BY id DESC LIMIT ?");
    if (!st) return sqlite_error(db_, "cannot list disclosures");
    st.bind(1, subject_hmac);
    st.bind(2, static_cast<std::int64_t>(limit));
    std::vector<Disclosure> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      out.push_back(Disclosure{st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4),
                               st.text(5), st.text(6), st.text(7), st.text(8), st.text(9),
                               st.text(10), st.text(11)});
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot list disclosures");
    return out;
  }

  Result<std::int64_t> prune_disclosures(std::int64_t before_ms) override {
    std::lock_guard lock(mutex_);
    auto del = kept("DELETE FROM disclosures WHERE time_ms < ?");
    if (!del) return sqlite_error(db_, "cannot prune disclosures");
    del.bind(1, before_ms);
    if (!del.run()) return sqlite_error(db_, "cannot prune disclosures");
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }

  Result<std::vector<JournalEntry>> journal_about(const std::string& identifier_hmac,
                                                  std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement st(db_, (std::string("SELECT ") + kJournalScanColumns +
                       " FROM audit_journal WHERE identifier_hmac = ? AND pruned_ms = 0"
                       " AND operation NOT LIKE 'disclosure/%'"
                       " ORDER BY seq DESC LIMIT ?")
                          .c_str());
    if (!st) return sqlite_error(db_, "cannot read the journal");
    st.bind(1, identifier_hmac);
    st.bind(2, static_cast<std::int64_t>(limit));
    std::vector<JournalEntry> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(read_entry(st));
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal");
    return out;
  }

  Result<std::int64_t> prune_feed(std::int64_t before_ms) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec_kept("BEGIN IMMEDIATE"); !r) return r.error();
    auto removed = prune_feed_locked(before_ms);
    if (removed) {
      if (auto c = exec_kept("COMMIT"); !c) removed = c.error();
    }
    if (!removed) (void)exec_kept("ROLLBACK");
    return removed;
  }

  Result<std::optional<RecordState>> read_record(const std::string& stream) override {
    std::lock_guard lock(mutex_);
    auto st = kept(
        "SELECT stream, kind, version, state, updated_ms, label FROM registry_records"
        " WHERE stream = ?");
    if (!st) return sqlite_error(db_, "cannot read a record");
    st.bind(1, stream);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<RecordState>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read a record");
    return std::optional<RecordState>(read_state(st));
  }

  Result<std::optional<std::string>> find_record_key(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto st = kept("SELECT stream FROM registry_keys WHERE key = ?");
    if (!st) return sqlite_error(db_, "cannot look a key up");
    st.bind(1, key);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot look a key up");
    return std::optional<std::string>(st.text(0));
  }

  Result<std::vector<RecordEvent>> record_events(const std::string& stream,
                                                 std::int64_t until_ms) override {
    std::lock_guard lock(mutex_);
    auto st = kept(
        "SELECT seq, stream, version, type, time_ms, principal, reason, source,"
        " correlation_id, data FROM registry_events WHERE stream = ? AND time_ms <= ?"
        " ORDER BY version");
    if (!st) return sqlite_error(db_, "cannot read a history");
    st.bind(1, stream);
    st.bind(2, until_ms);
    std::vector<RecordEvent> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      RecordEvent e;
      e.seq = st.int64(0);
      e.stream = st.text(1);
      e.version = st.int64(2);
      e.type = st.text(3);
      e.time_ms = st.int64(4);
      e.principal = st.text(5);
      e.reason = st.text(6);
      e.source = st.text(7);
      e.correlation_id = st.text(8);
      e.data = st.text(9);
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read a history");
    return out;
  }

  Result<std::vector<RecordState>> list_records(const std::string& kind, const std::string& after,
                                                std::size_t limit) override {
    return list(kind, nullptr, after, limit);
  }

  Result<std::vector<RecordState>> list_labelled(const std::string& kind, const std::string& label,
                                                 const std::string& after,
                                                 std::size_t limit) override {
    return list(kind, &label, after, limit);
  }

  Result<std::vector<MemberRef>> find_members(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto st = kept("SELECT stream, member FROM registry_members WHERE key = ? ORDER BY stream");
    if (!st) return sqlite_error(db_, "cannot look a member up");
    st.bind(1, key);
    std::vector<MemberRef> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back({st.text(0), st.text(1)});
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot look a member up");
    return out;
  }

  Result<std::vector<std::string>> due_waits(const std::string& after, std::size_t limit) override {
    return streams_of(
        "SELECT DISTINCT stream FROM registry_waits INDEXED BY registry_waits_due"
        " WHERE due = 1 AND stream > ?"
        " ORDER BY stream LIMIT ?",
        nullptr, after, limit);
  }

  Result<std::vector<std::string>> expired_waits(std::int64_t now_ms, const std::string& after,
                                                 std::size_t limit) override {
    return streams_of(
        // By the end's index: ordering by stream would otherwise walk every wait.
        "SELECT DISTINCT stream FROM registry_waits INDEXED BY registry_waits_by_end"
        " WHERE until_ms <= ?"
        " AND stream > ? ORDER BY stream LIMIT ?",
        &now_ms, after, limit);
  }

  Result<void> settle_waits(const std::string& stream) override {
    return on_waits("UPDATE registry_waits SET due = 0 WHERE stream = ? AND due = 1", stream);
  }

  Result<void> end_waits(const std::string& stream) override {
    return on_waits("DELETE FROM registry_waits WHERE stream = ?", stream);
  }

  Result<std::int64_t> count_labelled(const std::string& kind, const std::string& label) override {
    std::lock_guard lock(mutex_);
    auto st = kept("SELECT count(*) FROM registry_records WHERE kind = ? AND label = ?");
    if (!st) return sqlite_error(db_, "cannot count records");
    st.bind(1, kind);
    st.bind(2, label);
    if (sqlite3_step(st.get()) != SQLITE_ROW) return sqlite_error(db_, "cannot count records");
    return st.int64(0);
  }

  Result<std::optional<IdempotentAnswer>> idempotent_answer(const std::string& principal,
                                                            const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto st = kept(
        "SELECT request_hash, status, body, etag, time_ms FROM registry_idempotency"
        " WHERE principal = ? AND key = ?");
    if (!st) return sqlite_error(db_, "cannot read an idempotent answer");
    st.bind(1, principal);
    st.bind(2, key);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<IdempotentAnswer>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read an idempotent answer");
    IdempotentAnswer a{principal,  key,        st.text(0), static_cast<int>(st.int64(1)),
                       st.text(2), st.text(3), st.int64(4)};
    return std::optional<IdempotentAnswer>(std::move(a));
  }

  Result<LeaseGrant> acquire_lease(const std::string& name, const std::string& owner,
                                   std::int64_t ttl_ms) override {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    auto take = kept(
        "INSERT INTO hub_leases AS l VALUES (?1, ?2, 1, ?3 + ?4, '')"
        " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
        " fence = l.fence + CASE WHEN l.owner = excluded.owner THEN 0 ELSE 1 END,"
        " expires_ms = excluded.expires_ms"
        " WHERE l.owner = excluded.owner OR l.expires_ms <= ?3"
        " RETURNING owner, fence, expires_ms - ?3, progress");
    if (!take) return sqlite_error(db_, "cannot take a lease");
    take.bind(1, name);
    take.bind(2, owner);
    take.bind(3, now);
    take.bind(4, ttl_ms);
    int rc = sqlite3_step(take.get());
    if (rc == SQLITE_ROW) return lease_grant(take, true);
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot take a lease");
    Statement held(
        db_, "SELECT owner, fence, expires_ms - ?2, progress FROM hub_leases WHERE name = ?1");
    if (!held) return sqlite_error(db_, "cannot read a lease");
    held.bind(1, name);
    held.bind(2, now);
    rc = sqlite3_step(held.get());
    if (rc == SQLITE_ROW) return lease_grant(held, false);
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read a lease");
    return LeaseGrant{};
  }

  Result<void> renew_lease(const std::string& name, const std::string& owner, std::int64_t fence,
                           std::int64_t ttl_ms, const std::string& progress) override {
    std::lock_guard lock(mutex_);
    auto r = change_lease(
        "UPDATE hub_leases SET expires_ms = ?4, progress = ?5"
        " WHERE name = ?1 AND owner = ?2 AND fence = ?3",
        name, owner, fence, now_ms() + ttl_ms, progress, "cannot renew a lease");
    if (r && sqlite3_changes(db_) != 1) return lease_lost(name);
    return r;
  }

  Result<void> release_lease(const std::string& name, const std::string& owner, std::int64_t fence,
                             const std::string& progress, bool forget) override {
    std::lock_guard lock(mutex_);
    return change_lease(forget ? "DELETE FROM hub_leases WHERE name = ?1 AND owner = ?2 AND"
                                 " fence = ?3 AND ?4 = ?4 AND ?5 = ?5"
                               : "UPDATE hub_leases SET expires_ms = ?4, progress = ?5"
                                 " WHERE name = ?1 AND owner = ?2 AND fence = ?3",
                        name, owner, fence, now_ms() - 1, progress, "cannot release a lease");
  }

  Result<QuotaGrant> lease_quota(const QuotaRequest& q) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec_kept("BEGIN IMMEDIATE"); !r) return r.error();
    auto g = lease_quota_locked(q, now_ms());
    if (g) {
      if (auto c = exec_kept("COMMIT"); !c) g = c.error();
    }
    if (!g) (void)exec_kept("ROLLBACK");
    return g;
  }

  Result<std::int64_t> next_number(const std::string& counter) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec_kept("BEGIN IMMEDIATE"); !r) return r.error();
    auto ins = kept("INSERT INTO registry_counters VALUES (?, 0) ON CONFLICT DO NOTHING");
    auto up = kept("UPDATE registry_counters SET value = value + 1 WHERE name = ? RETURNING value");
    std::optional<std::int64_t> drawn;
    if (ins && up) {
      ins.bind(1, counter);
      up.bind(1, counter);
      if (ins.run() && sqlite3_step(up.get()) == SQLITE_ROW) drawn = up.int64(0);
    }
    // The error is read before the reset, which would clear it.
    Result<std::int64_t> out =
        drawn ? Result<std::int64_t>(*drawn)
              : Result<std::int64_t>(sqlite_error(db_, "cannot draw a number"));
    if (up) sqlite3_reset(up.get());
    if (out) {
      if (auto c = exec_kept("COMMIT"); !c) out = c.error();
    }
    if (!out) (void)exec_kept("ROLLBACK");
    return out;
  }

  // Bulk prefill jobs (jobs.hpp).

  Result<void> create_prefill_job(const PrefillJob& job) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "INSERT INTO prefill_jobs (id, owner, purpose, kind, state, total, done,"
                 " created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)");
    if (!st) return sqlite_error(db_, "cannot create a job");
    st.bind(1, job.id);
    st.bind(2, job.owner);
    st.bind(3, job.purpose);
    st.bind(4, job.kind);
    st.bind(5, job.state);
    st.bind(6, job.created_ms);
    st.bind(7, job.created_ms);
    if (!st.run()) return sqlite_error(db_, "cannot create a job");
    return {};
  }

  Result<void> add_prefill_items(const std::string& id,
                                 const std::vector<PrefillJobItem>& items) override {
    std::lock_guard lock(mutex_);
    return in_transaction([&]() -> Result<void> {
      auto ins = kept(
          "INSERT INTO prefill_job_items (job, line, identifier, state, status, error, result)"
          " VALUES (?, ?, ?, ?, ?, ?, ?)");
      if (!ins) return sqlite_error(db_, "cannot add job items");
      std::map<std::string, std::int64_t> refused;
      std::int64_t final_items = 0;
      for (const auto& item : items) {
        bind_item(ins, id, item);
        if (!ins.run()) return sqlite_error(db_, "cannot add job items");
        if (item.state == "error" || item.state == "done") ++final_items;
        if (!item.error.empty()) ++refused[item.error];
      }
      return count_items(id, static_cast<std::int64_t>(items.size()), final_items, refused);
    });
  }

  Result<std::optional<PrefillJob>> read_prefill_job(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "SELECT id, owner, purpose, kind, state, total, done, created_ms, updated_ms"
                 " FROM prefill_jobs WHERE id = ?");
    if (!st) return sqlite_error(db_, "cannot read a job");
    st.bind(1, id);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<PrefillJob>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "cannot read a job");
    PrefillJob job{st.text(0),  st.text(1),  st.text(2),  st.text(3),  st.text(4),
                   st.int64(5), st.int64(6), st.int64(7), st.int64(8), {}};
    Statement errors(db_, "SELECT code, items FROM prefill_job_errors WHERE job = ?");
    if (!errors) return sqlite_error(db_, "cannot read a job's errors");
    errors.bind(1, id);
    int erc = SQLITE_OK;
    while ((erc = sqlite3_step(errors.get())) == SQLITE_ROW) {
      job.errors[errors.text(0)] = errors.int64(1);
    }
    if (erc != SQLITE_DONE) return sqlite_error(db_, "cannot read a job's errors");
    return std::optional<PrefillJob>(std::move(job));
  }

  Result<std::vector<std::string>> runnable_prefill_jobs(std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "SELECT id FROM prefill_jobs WHERE state IN ('queued', 'running')"
                 " ORDER BY created_ms, id LIMIT ?");
    if (!st) return sqlite_error(db_, "cannot list jobs");
    st.bind(1, static_cast<std::int64_t>(limit));
    return first_column(st, "cannot list jobs");
  }

  Result<std::vector<PrefillJobItem>> claim_prefill_items(const std::string& id,
                                                          std::int64_t after_line,
                                                          std::size_t limit) override {
    std::lock_guard lock(mutex_);
    return in_transaction([&]() -> Result<std::vector<PrefillJobItem>> {
      auto items = items_locked(id, after_line, limit, true);
      if (!items || items->empty()) return items;
      auto mark = kept(
          "UPDATE prefill_job_items SET state = 'asking' WHERE job = ? AND line BETWEEN ? AND ?"
          " AND state = 'pending'");
      if (!mark) return sqlite_error(db_, "cannot claim job items");
      mark.bind(1, id);
      mark.bind(2, items->front().line);
      mark.bind(3, items->back().line);
      if (!mark.run()) return sqlite_error(db_, "cannot claim job items");
      return items;
    });
  }

  Result<void> record_prefill_results(const std::string& id,
                                      const std::vector<PrefillJobItem>& items,
                                      const std::vector<Disclosure>& disclosures) override {
    std::lock_guard lock(mutex_);
    return in_transaction([&]() -> Result<void> {
      auto up = kept(
          "UPDATE prefill_job_items SET state = ?3, status = ?4, error = ?5, result = ?6"
          " WHERE job = ?1 AND line = ?2 AND state IN ('pending', 'asking')");
      if (!up) return sqlite_error(db_, "cannot record job results");
      std::map<std::string, std::int64_t> errors;
      std::int64_t recorded = 0;
      std::vector<Disclosure> disclosed;
      for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& item = items[i];
        up.bind(1, id);
        up.bind(2, item.line);
        up.bind(3, item.state);
        up.bind(4, item.status);
        up.bind(5, item.error);
        up.bind(6, item.result);
        if (!up.run()) return sqlite_error(db_, "cannot record job results");
        if (sqlite3_changes(db_) != 1) continue;  // recorded already: counted once
        ++recorded;
        if (!item.error.empty()) ++errors[item.error];
        if (i < disclosures.size() && !disclosures[i].subject_hmac.empty()) {
          disclosed.push_back(disclosures[i]);
        }
      }
      if (auto r = add_disclosures_locked(disclosed); !r) return r;
      return count_items(id, 0, recorded, errors);
    });
  }

  Result<bool> set_prefill_job_state(const std::string& id, const std::string& state) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "UPDATE prefill_jobs SET state = ?2, updated_ms = ?3 WHERE id = ?1"
                 " AND state NOT IN ('done', 'cancelled', 'failed')");
    if (!st) return sqlite_error(db_, "cannot change a job's state");
    st.bind(1, id);
    st.bind(2, state);
    st.bind(3, now_ms());
    if (!st.run()) return sqlite_error(db_, "cannot change a job's state");
    return sqlite3_changes(db_) == 1;
  }

  Result<std::vector<PrefillJobItem>> prefill_job_items(const std::string& id,
                                                        std::int64_t after_line,
                                                        std::size_t limit) override {
    std::lock_guard lock(mutex_);
    return items_locked(id, after_line, limit, false);
  }

  Result<std::vector<std::string>> expired_prefill_jobs(std::int64_t ended_before_ms,
                                                        std::int64_t abandoned_before_ms,
                                                        std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
                 "SELECT id FROM prefill_jobs WHERE (state IN ('done', 'cancelled', 'failed')"
                 " AND updated_ms < ?1) OR (state = 'receiving' AND updated_ms < ?2)"
                 " ORDER BY updated_ms, id LIMIT ?3");
    if (!st) return sqlite_error(db_, "cannot list expired jobs");
    st.bind(1, ended_before_ms);
    st.bind(2, abandoned_before_ms);
    st.bind(3, static_cast<std::int64_t>(limit));
    return first_column(st, "cannot list expired jobs");
  }

  Result<bool> remove_prefill_job(const std::string& id, std::size_t max_items) override {
    std::lock_guard lock(mutex_);
    return in_transaction([&]() -> Result<bool> {
      auto items = kept(
          "DELETE FROM prefill_job_items WHERE job = ?1 AND line IN"
          " (SELECT line FROM prefill_job_items WHERE job = ?1 ORDER BY line LIMIT ?2)");
      if (!items) return sqlite_error(db_, "cannot remove job items");
      items.bind(1, id);
      items.bind(2, static_cast<std::int64_t>(max_items));
      if (!items.run()) return sqlite_error(db_, "cannot remove job items");
      if (static_cast<std::size_t>(sqlite3_changes(db_)) >= max_items) return false;
      for (const char* sql : {"DELETE FROM prefill_job_errors WHERE job = ?",
                              "DELETE FROM prefill_jobs WHERE id = ?"}) {
        auto st = kept(sql);
        if (!st) return sqlite_error(db_, "cannot remove a job");
        st.bind(1, id);
        if (!st.run()) return sqlite_error(db_, "cannot remove a job");
      }
      return true;
    });
  }

 private:
  // Runs `write` in a transaction that takes the write lock first (the caller holds mutex_).
  template <class F>
  auto in_transaction(F&& write) -> decltype(write()) {
    if (auto r = exec_kept("BEGIN IMMEDIATE"); !r) return r.error();
    auto out = write();
    if (out) {
      if (auto c = exec_kept("COMMIT"); !c) out = c.error();
    }
    if (!out) (void)exec("ROLLBACK");
    return out;
  }

  // The first column of every row a statement gives (ids).
  Result<std::vector<std::string>> first_column(Statement& st, const char* failure) {
    std::vector<std::string> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(st.text(0));
    if (rc != SQLITE_DONE) return sqlite_error(db_, failure);
    return out;
  }

  static void bind_item(Statement& st, const std::string& id, const PrefillJobItem& item) {
    st.bind(1, id);
    st.bind(2, item.line);
    st.bind(3, item.identifier);
    st.bind(4, item.state);
    st.bind(5, item.status);
    st.bind(6, item.error);
    st.bind(7, item.result);
  }

  // Adds to a job's totals: items added, items final, errors by code.
  Result<void> count_items(const std::string& id, std::int64_t added, std::int64_t final_items,
                           const std::map<std::string, std::int64_t>& errors) {
    auto job = kept(
        "UPDATE prefill_jobs SET total = total + ?2, done = done + ?3, updated_ms = ?4"
        " WHERE id = ?1");
    if (!job) return sqlite_error(db_, "cannot count job items");
    job.bind(1, id);
    job.bind(2, added);
    job.bind(3, final_items);
    job.bind(4, now_ms());
    if (!job.run()) return sqlite_error(db_, "cannot count job items");
    auto count = kept(
        "INSERT INTO prefill_job_errors AS e (job, code, items) VALUES (?, ?, ?)"
        " ON CONFLICT (job, code) DO UPDATE SET items = e.items + excluded.items");
    if (!count) return sqlite_error(db_, "cannot count job errors");
    for (const auto& [code, n] : errors) {
      count.bind(1, id);
      count.bind(2, code);
      count.bind(3, n);
      if (!count.run()) return sqlite_error(db_, "cannot count job errors");
    }
    return {};
  }

  // A job's items after a line, in line order: all of them, or those still to answer.
  Result<std::vector<PrefillJobItem>> items_locked(const std::string& id, std::int64_t after_line,
                                                   std::size_t limit, bool unanswered) {
    auto st = kept(
        unanswered ? "SELECT line, identifier, state, status, error, result"
                     " FROM prefill_job_items WHERE job = ? AND line > ?"
                     " AND state IN ('pending', 'asking') ORDER BY line LIMIT ?"
                   : "SELECT line, identifier, state, status, error, result"
                     " FROM prefill_job_items WHERE job = ? AND line > ? ORDER BY line LIMIT ?");
    if (!st) return sqlite_error(db_, "cannot read job items");
    st.bind(1, id);
    st.bind(2, after_line);
    st.bind(3, static_cast<std::int64_t>(limit));
    std::vector<PrefillJobItem> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      out.push_back(PrefillJobItem{st.int64(0), st.text(1), st.text(2),
                                   static_cast<int>(st.int64(3)), st.text(4), st.text(5)});
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read job items");
    return out;
  }

  // The streams a waits query names (bound: `at_ms` when given, then after and limit).
  Result<std::vector<std::string>> streams_of(const char* sql, const std::int64_t* at_ms,
                                              const std::string& after, std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto st = kept(sql);
    if (!st) return sqlite_error(db_, "cannot read the waits index");
    int at = 1;
    if (at_ms) st.bind(at++, *at_ms);
    st.bind(at++, after);
    st.bind(at, static_cast<std::int64_t>(limit));
    std::vector<std::string> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(st.text(0));
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the waits index");
    return out;
  }

  // One statement on a stream's waits, in a transaction of its own.
  Result<void> on_waits(const char* sql, const std::string& stream) {
    std::lock_guard lock(mutex_);
    auto st = kept(sql);
    if (!st) return sqlite_error(db_, "cannot change the waits index");
    st.bind(1, stream);
    if (!st.run()) return sqlite_error(db_, "cannot change the waits index");
    return {};
  }

  // Records of a kind (with that label, when given) after a stream, in stream order.
  Result<std::vector<RecordState>> list(const std::string& kind, const std::string* label,
                                        const std::string& after, std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto st = kept(label ? "SELECT stream, kind, version, state, updated_ms, label"
                           " FROM registry_records WHERE kind = ? AND stream > ? AND label = ?"
                           " ORDER BY stream LIMIT ?"
                         : "SELECT stream, kind, version, state, updated_ms, label"
                           " FROM registry_records WHERE kind = ? AND stream > ?"
                           " ORDER BY stream LIMIT ?");
    if (!st) return sqlite_error(db_, "cannot list records");
    int at = 1;
    st.bind(at++, kind);
    st.bind(at++, after);
    if (label) st.bind(at++, *label);
    st.bind(at, static_cast<std::int64_t>(limit));
    std::vector<RecordState> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back(read_state(st));
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot list records");
    return out;
  }

  static RecordState read_state(const Statement& st) {
    return RecordState{st.text(0), st.text(1), st.int64(2), st.text(3), st.int64(4), st.text(5)};
  }

  // Gives the commit's feed events the next positions from the head row, and appends them.
  Result<void> append_feed_locked(const RecordCommit& commit) {
    const std::int64_t n = feed_events(commit);
    if (n == 0) return {};
    auto take = kept(
        "UPDATE feed_outbox_head SET position = position + ? WHERE id = 1"
        " RETURNING position");
    auto insert = kept("INSERT INTO feed_outbox VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!take || !insert) return sqlite_error(db_, "cannot prepare the feed append");
    take.bind(1, n);
    if (sqlite3_step(take.get()) != SQLITE_ROW) return sqlite_error(db_, "cannot take positions");
    std::int64_t position = take.int64(0) - n;
    sqlite3_reset(take.get());
    for (const auto& w : commit.writes) {
      if (!w.feed) continue;
      std::int64_t v = w.expected_version;
      for (const auto& e : w.events) {
        insert.bind(1, ++position);
        insert.bind(2, w.stream);
        insert.bind(3, w.kind);
        insert.bind(4, ++v);
        insert.bind(5, e.type);
        insert.bind(6, e.time_ms);
        insert.bind(7, w.state);
        if (!insert.run()) return sqlite_error(db_, "cannot append to the feed");
      }
    }
    return {};
  }

  Result<void> add_disclosures_locked(const std::vector<Disclosure>& rows) {
    auto ins = kept(
        "INSERT INTO disclosures (time_ms, subject_hmac, identifier_masked, principal,"
        " agreement, purpose, resource, fields, outcome, correlation_id, job)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return sqlite_error(db_, "cannot record disclosures");
    for (const auto& d : rows) {
      ins.bind(1, d.time_ms);
      ins.bind(2, d.subject_hmac);
      ins.bind(3, d.identifier_masked);
      ins.bind(4, d.principal);
      ins.bind(5, d.agreement);
      ins.bind(6, d.purpose);
      ins.bind(7, d.resource);
      ins.bind(8, d.fields);
      ins.bind(9, d.outcome);
      ins.bind(10, d.correlation_id);
      ins.bind(11, d.job);
      if (!ins.run()) return sqlite_error(db_, "cannot record disclosures");
    }
    return {};
  }

  Result<FeedPage> read_feed_locked(std::int64_t after, std::size_t limit) {
    FeedPage page;
    auto head = kept("SELECT position, pruned_through FROM feed_outbox_head WHERE id = 1");
    if (!head || sqlite3_step(head.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot read the feed's head");
    }
    page.head = head.int64(0);
    page.pruned_through = head.int64(1);
    auto st = kept(
        "SELECT position, stream, kind, version, type, time_ms, state FROM feed_outbox"
        " WHERE position > ? ORDER BY position LIMIT ?");
    if (!st) return sqlite_error(db_, "cannot read the feed");
    st.bind(1, after);
    st.bind(2, static_cast<std::int64_t>(limit));
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      page.changes.push_back(FeedChange{st.int64(0), st.text(1), st.text(2), st.int64(3),
                                        st.text(4), st.int64(5), st.text(6)});
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the feed");
    return page;
  }

  Result<std::int64_t> prune_feed_locked(std::int64_t before_ms) {
    auto last = kept("SELECT max(position) FROM feed_outbox WHERE time_ms < ?");
    if (!last) return sqlite_error(db_, "cannot prune the feed");
    last.bind(1, before_ms);
    if (sqlite3_step(last.get()) != SQLITE_ROW) return sqlite_error(db_, "cannot prune the feed");
    if (sqlite3_column_type(last.get(), 0) == SQLITE_NULL) return std::int64_t{0};
    const std::int64_t through = last.int64(0);
    auto del = kept("DELETE FROM feed_outbox WHERE position <= ?");
    auto bound = kept(
        "UPDATE feed_outbox_head SET pruned_through = max(pruned_through, ?)"
        " WHERE id = 1");
    if (!del || !bound) return sqlite_error(db_, "cannot prune the feed");
    del.bind(1, through);
    bound.bind(1, through);
    if (!del.run()) return sqlite_error(db_, "cannot prune the feed");
    const std::int64_t removed = sqlite3_changes(db_);
    if (!bound.run()) return sqlite_error(db_, "cannot prune the feed");
    return removed;
  }

  // Replaces the stream's entries in the member index by the write's.
  Result<void> index_members_locked(const StreamWrite& w) {
    auto drop = kept("DELETE FROM registry_members WHERE stream = ?");
    auto add = kept("INSERT OR IGNORE INTO registry_members VALUES (?, ?, ?)");
    if (!drop || !add) return sqlite_error(db_, "cannot prepare the member index");
    drop.bind(1, w.stream);
    if (!drop.run()) return sqlite_error(db_, "cannot update the member index");
    for (const auto& m : *w.members) {
      add.bind(1, m.key);
      add.bind(2, w.stream);
      add.bind(3, m.member);
      if (!add.run()) return sqlite_error(db_, "cannot update the member index");
    }
    return {};
  }

  // Adds the write's waits to the stream's; none: removes the stream's.
  Result<void> set_waits_locked(const StreamWrite& w) {
    if (w.waits->keys.empty()) {
      auto drop = kept("DELETE FROM registry_waits WHERE stream = ?");
      if (!drop) return sqlite_error(db_, "cannot prepare the waits index");
      drop.bind(1, w.stream);
      if (!drop.run()) return sqlite_error(db_, "cannot update the waits index");
    }
    auto add = kept("INSERT OR IGNORE INTO registry_waits VALUES (?, ?, ?, 0)");
    if (!add) return sqlite_error(db_, "cannot prepare the waits index");
    for (const auto& key : w.waits->keys) {
      add.bind(1, key);
      add.bind(2, w.stream);
      add.bind(3, w.waits->until_ms);
      if (!add.run()) return sqlite_error(db_, "cannot update the waits index");
    }
    return {};
  }

  // Marks due every stream that waits for a key the write holds (a lookup key or a member's).
  Result<void> wake_waits_locked(const StreamWrite& w) {
    if (w.keys.empty() && (!w.members || w.members->empty())) return {};
    auto wake = kept("UPDATE registry_waits SET due = 1 WHERE key = ? AND due = 0");
    if (!wake) return sqlite_error(db_, "cannot prepare the waits index");
    auto one = [&](const std::string& key) {
      wake.bind(1, key);
      return wake.run();
    };
    for (const auto& key : w.keys) {
      if (!one(key)) return sqlite_error(db_, "cannot update the waits index");
    }
    if (w.members) {
      for (const auto& m : *w.members) {
        if (!one(m.key)) return sqlite_error(db_, "cannot update the waits index");
      }
    }
    return {};
  }

  Result<void> commit_locked(const RecordCommit& commit) {
    auto insert_event = kept(
        "INSERT INTO registry_events (stream, version, type, time_ms,"
        " principal, reason, source, correlation_id, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto create = kept(
        "INSERT INTO registry_records (stream, kind, version, state, updated_ms,"
        " label) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    auto update = kept(
        "UPDATE registry_records SET version = ?, state = ?, updated_ms = ?,"
        " label = ? WHERE stream = ? AND version = ?");
    auto claim = kept("INSERT INTO registry_keys VALUES (?, ?) ON CONFLICT DO NOTHING");
    auto owner = kept("SELECT stream FROM registry_keys WHERE key = ?");
    if (!insert_event || !create || !update || !claim || !owner) {
      return sqlite_error(db_, "cannot prepare a record commit");
    }
    for (const auto& w : commit.writes) {
      const std::int64_t version = w.expected_version + static_cast<std::int64_t>(w.events.size());
      const std::int64_t now = w.events.empty() ? 0 : w.events.back().time_ms;
      if (w.expected_version == 0) {
        create.bind(1, w.stream);
        create.bind(2, w.kind);
        create.bind(3, version);
        create.bind(4, w.state);
        create.bind(5, now);
        create.bind(6, w.label);
        if (!create.run()) return sqlite_error(db_, "cannot create a record");
      } else {
        update.bind(1, version);
        update.bind(2, w.state);
        update.bind(3, now);
        update.bind(4, w.label);
        update.bind(5, w.stream);
        update.bind(6, w.expected_version);
        if (!update.run()) return sqlite_error(db_, "cannot update a record");
      }
      if (sqlite3_changes(db_) != 1) {
        return make_error(Errc::conflict,
                          w.stream + " changed since version " + std::to_string(w.expected_version),
                          "stale_version");
      }
      std::int64_t v = w.expected_version;
      for (const auto& e : w.events) {
        insert_event.bind(1, w.stream);
        insert_event.bind(2, ++v);
        insert_event.bind(3, e.type);
        insert_event.bind(4, e.time_ms);
        insert_event.bind(5, e.principal);
        insert_event.bind(6, e.reason);
        insert_event.bind(7, e.source);
        insert_event.bind(8, e.correlation_id);
        insert_event.bind(9, e.data);
        if (!insert_event.run()) return sqlite_error(db_, "cannot append an event");
      }
      for (const auto& key : w.keys) {
        claim.bind(1, key);
        claim.bind(2, w.stream);
        if (!claim.run()) return sqlite_error(db_, "cannot claim a key");
        if (sqlite3_changes(db_) == 1) continue;
        owner.bind(1, key);
        const bool held = sqlite3_step(owner.get()) == SQLITE_ROW && owner.text(0) != w.stream;
        sqlite3_reset(owner.get());
        if (held)
          return make_error(Errc::conflict, key + " is already registered", "duplicate_key");
      }
      if (w.members) {
        if (auto r = index_members_locked(w); !r) return r;
      }
      if (w.waits) {
        if (auto r = set_waits_locked(w); !r) return r;
      }
      if (auto r = wake_waits_locked(w); !r) return r;
    }
    if (commit.answer) {
      const auto& a = *commit.answer;
      auto st = kept(
          "INSERT INTO registry_idempotency VALUES (?, ?, ?, ?, ?, ?, ?)"
          " ON CONFLICT DO NOTHING");
      if (!st) return sqlite_error(db_, "cannot prepare an idempotent answer");
      st.bind(1, a.principal);
      st.bind(2, a.key);
      st.bind(3, a.request_hash);
      st.bind(4, a.status);
      st.bind(5, a.body);
      st.bind(6, a.etag);
      st.bind(7, a.time_ms);
      if (!st.run()) return sqlite_error(db_, "cannot store an idempotent answer");
      if (sqlite3_changes(db_) != 1) {
        return make_error(Errc::conflict, "this Idempotency-Key has already been answered",
                          "idempotent_replay");
      }
    }
    return {};
  }
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const Options& o) {
  // Personal data: the folders the hub creates, the database and its WAL and shared-memory
  // files (SQLite gives those the database file's mode) are the owner's alone.
  const auto parent = std::filesystem::path(o.path).parent_path();
  if (auto r = create_private_directories(parent.string()); !r) return r.error();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = o.path + suffix;
    if (*suffix != '\0' && ::access(file.c_str(), F_OK) != 0) continue;
    if (auto r = make_owner_only(file); !r) return r.error();
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(o.path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    auto e = sqlite_error(db, "cannot open " + o.path);
    sqlite3_close_v2(db);
    return e;
  }
  auto store = std::make_unique<SqliteStore>(db);
  sqlite3_busy_timeout(db, 5000);
  if (auto r = store->exec("PRAGMA journal_mode = WAL"); !r) return r.error();
  if (auto r = store->exec("PRAGMA synchronous = NORMAL"); !r) return r.error();
  // The WAL is copied back into the database every 8,000 pages (32 MB) instead of SQLite's 1,000:
  // a page written again and again (an index's, a head row's) is copied once a checkpoint, and
  // the writer that happens to run it holds the lock for the copy and its fsync eight times
  // less often (bench/run-registrations.sh: 480-560 -> 720-750 registrations/s, p50 halved).
  if (auto r = store->exec("PRAGMA wal_autocheckpoint = 8000"); !r) return r.error();
  if (auto r = store->exec("PRAGMA foreign_keys = ON"); !r) return r.error();
  if (auto r = store->migrate(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hub::store
