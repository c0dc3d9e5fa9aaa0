#include <sqlite3.h>

#include <filesystem>
#include <mutex>

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
};

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

 private:
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
