#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
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
    // 9 (the feed branch's number; the lead renumbers on merge): the change feed's outbox
    // (feed.hpp, docs/feed.md). The head row holds the last position given and the pruned
    // bound; a commit takes its positions from it under the write lock, so positions follow
    // commit order with no gap.
    "CREATE TABLE feed_outbox (position INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
    " kind TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,"
    " time_ms INTEGER NOT NULL, state TEXT NOT NULL);"
    "CREATE TABLE feed_outbox_head (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " position INTEGER NOT NULL, pruned_through INTEGER NOT NULL);"
    "INSERT INTO feed_outbox_head VALUES (1, 0, 0);",
};

constexpr const char* kJournalColumns =
    "seq, time_ms, principal, purpose, correlation_id, partner, operation, identifier_hmac,"
    " identifier_masked, outcome, latency_us, response_sha256, prev_hash, entry_hash";
constexpr int kScanPage = 512;

// Owns a prepared statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) st_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(st_); }
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
  sqlite3_stmt* st_ = nullptr;
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
  return e;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

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

  Result<void> ping() override {
    std::lock_guard lock(mutex_);
    return exec("SELECT 1");
  }

  Result<JournalHead> append_journal(std::vector<JournalEntry>& entries,
                                     const JournalSealer& seal) override {
    std::lock_guard lock(mutex_);
    // The journal promises durability once written, so its commits wait for the WAL to reach
    // the disk; with group commit that is one fsync a batch. Other writes keep NORMAL.
    if (auto r = exec("PRAGMA synchronous = FULL"); !r) return r.error();
    // IMMEDIATE takes the write lock before the head is read: another connection (another
    // process) cannot read the same head and fork the chain.
    auto r = exec("BEGIN IMMEDIATE");
    Result<JournalHead> head = r ? append_locked(entries, seal) : Result<JournalHead>(r.error());
    if (head) {
      if (auto c = exec("COMMIT"); !c) head = c.error();
    }
    if (!head && r) (void)exec("ROLLBACK");
    (void)exec("PRAGMA synchronous = NORMAL");
    return head;
  }

  Result<JournalHead> journal_head() override {
    std::lock_guard lock(mutex_);
    return head_locked();
  }

  Result<void> scan_journal(std::int64_t from_seq, const JournalVisitor& visit) override {
    const std::string sql = std::string("SELECT ") + kJournalColumns +
                            " FROM audit_journal WHERE seq >= ? ORDER BY seq LIMIT " +
                            std::to_string(kScanPage);
    for (std::int64_t next = from_seq;;) {
      std::vector<JournalEntry> page;
      {
        std::lock_guard lock(mutex_);
        Statement st(db_, sql.c_str());
        if (!st) return sqlite_error(db_, "cannot read the journal");
        st.bind(1, next);
        int rc = SQLITE_OK;
        while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) page.push_back(read_entry(st));
        if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal");
      }
      for (const auto& e : page) {
        if (!visit(e)) return {};
      }
      if (page.size() < static_cast<std::size_t>(kScanPage)) return {};
      next = page.back().seq + 1;
    }
  }

 private:
  Result<JournalHead> head_locked() {
    Statement st(db_, "SELECT seq, hash FROM audit_journal_head WHERE id = 1");
    if (!st || sqlite3_step(st.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot read the journal head");
    }
    return JournalHead{st.int64(0), st.text(1)};
  }

  // The stored entries from the head's seq on, two at most (head_agrees()).
  Result<std::vector<JournalHead>> from_head_locked(std::int64_t head_seq) {
    Statement st(db_,
                 "SELECT seq, entry_hash FROM audit_journal WHERE seq >= ? ORDER BY seq LIMIT 2");
    if (!st) return sqlite_error(db_, "cannot read the journal's end");
    st.bind(1, std::max<std::int64_t>(head_seq, 1));
    std::vector<JournalHead> out;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) out.push_back({st.int64(0), st.text(1)});
    if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read the journal's end");
    return out;
  }

  Result<JournalHead> append_locked(std::vector<JournalEntry>& entries, const JournalSealer& seal) {
    auto head = head_locked();
    if (!head) return head;
    // Under the write lock, so that nothing can slip in between the check and the inserts.
    auto from_head = from_head_locked(head->seq);
    if (!from_head) return from_head.error();
    if (auto agree = head_agrees(*head, *from_head); !agree) return agree.error();
    const std::string sql = std::string("INSERT INTO audit_journal (") + kJournalColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Statement insert(db_, sql.c_str());
    if (!insert) return sqlite_error(db_, "cannot prepare the journal insert");
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
    Statement update(db_, "UPDATE audit_journal_head SET seq = ?, hash = ? WHERE id = 1");
    if (!update) return sqlite_error(db_, "cannot prepare the journal head update");
    update.bind(1, head->seq);
    update.bind(2, head->hash);
    if (sqlite3_step(update.get()) != SQLITE_DONE) {
      return sqlite_error(db_, "cannot move the journal head");
    }
    return head;
  }

  sqlite3* db_;
  std::mutex mutex_;

 public:
  Result<void> commit_records(const RecordCommit& commit) override {
    {
      std::lock_guard lock(mutex_);
      auto r = exec("BEGIN IMMEDIATE");
      if (!r) return r;
      r = commit_locked(commit);
      // Last, so that the positions are taken just before the commit (docs/feed.md).
      if (r) r = append_feed_locked(commit);
      if (r) r = exec("COMMIT");
      if (!r) {
        (void)exec("ROLLBACK");
        return r;
      }
    }
    if (feed_events(commit) > 0) feed_appended();
    return {};
  }

  Result<FeedPage> read_feed(std::int64_t after, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    // One read transaction: the head and the rows come from the same snapshot.
    if (auto r = exec("BEGIN"); !r) return r.error();
    auto page = read_feed_locked(after, limit);
    (void)exec("COMMIT");
    return page;
  }

  Result<std::int64_t> prune_feed(std::int64_t before_ms) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
    auto removed = prune_feed_locked(before_ms);
    if (removed) {
      if (auto c = exec("COMMIT"); !c) removed = c.error();
    }
    if (!removed) (void)exec("ROLLBACK");
    return removed;
  }

  Result<std::optional<RecordState>> read_record(const std::string& stream) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
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
    Statement st(db_, "SELECT stream FROM registry_keys WHERE key = ?");
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
    Statement st(db_,
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

  Result<std::optional<IdempotentAnswer>> idempotent_answer(const std::string& principal,
                                                            const std::string& key) override {
    std::lock_guard lock(mutex_);
    Statement st(db_,
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

  Result<std::int64_t> next_number(const std::string& counter) override {
    std::lock_guard lock(mutex_);
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
    Statement ins(db_, "INSERT INTO registry_counters VALUES (?, 0) ON CONFLICT DO NOTHING");
    Statement up(db_,
                 "UPDATE registry_counters SET value = value + 1 WHERE name = ? RETURNING value");
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
      if (auto c = exec("COMMIT"); !c) out = c.error();
    }
    if (!out) (void)exec("ROLLBACK");
    return out;
  }

 private:
  // Records of a kind (with that label, when given) after a stream, in stream order.
  Result<std::vector<RecordState>> list(const std::string& kind, const std::string* label,
                                        const std::string& after, std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement st(db_, label ? "SELECT stream, kind, version, state, updated_ms, label"
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
    Statement take(db_,
                   "UPDATE feed_outbox_head SET position = position + ? WHERE id = 1"
                   " RETURNING position");
    Statement insert(db_, "INSERT INTO feed_outbox VALUES (?, ?, ?, ?, ?, ?, ?)");
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

  Result<FeedPage> read_feed_locked(std::int64_t after, std::size_t limit) {
    FeedPage page;
    Statement head(db_, "SELECT position, pruned_through FROM feed_outbox_head WHERE id = 1");
    if (!head || sqlite3_step(head.get()) != SQLITE_ROW) {
      return sqlite_error(db_, "cannot read the feed's head");
    }
    page.head = head.int64(0);
    page.pruned_through = head.int64(1);
    Statement st(db_,
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
    Statement last(db_, "SELECT max(position) FROM feed_outbox WHERE time_ms < ?");
    if (!last) return sqlite_error(db_, "cannot prune the feed");
    last.bind(1, before_ms);
    if (sqlite3_step(last.get()) != SQLITE_ROW) return sqlite_error(db_, "cannot prune the feed");
    if (sqlite3_column_type(last.get(), 0) == SQLITE_NULL) return std::int64_t{0};
    const std::int64_t through = last.int64(0);
    Statement del(db_, "DELETE FROM feed_outbox WHERE position <= ?");
    Statement bound(db_,
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

  Result<void> commit_locked(const RecordCommit& commit) {
    Statement insert_event(db_,
                           "INSERT INTO registry_events (stream, version, type, time_ms,"
                           " principal, reason, source, correlation_id, data)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Statement create(db_,
                     "INSERT INTO registry_records (stream, kind, version, state, updated_ms,"
                     " label) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    Statement update(db_,
                     "UPDATE registry_records SET version = ?, state = ?, updated_ms = ?,"
                     " label = ? WHERE stream = ? AND version = ?");
    Statement claim(db_, "INSERT INTO registry_keys VALUES (?, ?) ON CONFLICT DO NOTHING");
    Statement owner(db_, "SELECT stream FROM registry_keys WHERE key = ?");
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
    }
    if (commit.answer) {
      const auto& a = *commit.answer;
      Statement st(db_,
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
  if (auto r = store->exec("PRAGMA foreign_keys = ON"); !r) return r.error();
  if (auto r = store->migrate(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hub::store
