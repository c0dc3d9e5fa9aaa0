#include <libpq-fe.h>

#include <mutex>

#include "hub/store/store.hpp"

namespace hub::store {
namespace {

const char* const kMigrations[] = {
    "CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PGconn* c) : conn_(c) {}
  ~PostgresStore() override { PQfinish(conn_); }

  std::string engine() const override { return "postgresql"; }

  Result<void> exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto st = PQresultStatus(r);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    std::string msg = ok ? "" : PQerrorMessage(conn_);
    PQclear(r);
    if (!ok) return make_error(Errc::internal, "postgresql: " + msg, "store_error");
    return {};
  }

  Result<int> version_locked() {
    if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !r) {
      return r.error();
    }
    PGresult* r = PQexec(conn_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQclear(r);
      return make_error(Errc::internal, "postgresql: " + msg, "store_error");
    }
    const int v = std::atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
  }

  Result<int> schema_version() override {
    std::lock_guard lock(mutex_);
    return version_locked();
  }

  Result<void> migrate() {
    std::lock_guard lock(mutex_);
    // One hub node migrates at a time, whatever the number of nodes starting together.
    if (auto r = exec("SELECT pg_advisory_lock(424242)"); !r) return r;
    auto v = version_locked();
    Result<void> result;
    if (!v) result = v.error();
    const int target = static_cast<int>(std::size(kMigrations));
    for (int i = v ? *v : target; result && i < target; ++i) {
      result = exec("BEGIN");
      if (result) result = exec(kMigrations[i]);
      if (result)
        result = exec("INSERT INTO schema_version VALUES (" + std::to_string(i + 1) + ")");
      if (result) {
        result = exec("COMMIT");
      } else {
        (void)exec("ROLLBACK");
      }
    }
    (void)exec("SELECT pg_advisory_unlock(424242)");
    return result;
  }

  Result<void> ping() override {
    std::lock_guard lock(mutex_);
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    return exec("SELECT 1");
  }

 private:
  PGconn* conn_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres(const Options& o) {
  PGconn* c = PQconnectdb(o.url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return make_error(Errc::internal, "cannot connect to PostgreSQL: " + msg, "store_error");
  }
  auto store = std::make_unique<PostgresStore>(c);
  if (auto r = store->migrate(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hub::store
