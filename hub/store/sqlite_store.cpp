#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <utility>

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

  Result<JournalHead> append_locked(std::vector<JournalEntry>& entries, const JournalSealer& seal) {
    auto head = head_locked();
    if (!head) return head;
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
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const Options& o) {
  std::error_code ec;
  const auto parent = std::filesystem::path(o.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return make_error(Errc::internal, "cannot create " + parent.string() + ": " + ec.message(),
                      "store_error");
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
