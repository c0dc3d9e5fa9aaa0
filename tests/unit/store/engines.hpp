// The two engines the store and journal suites run on: SQLite in a temporary folder, and
// PostgreSQL from CNSS_TEST_PG_URL in a schema of its own (so that tests running in parallel on
// the one test database never see each other's tables). Shared by unit_store and unit_audit.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "hub/store/store.hpp"

namespace hub::testing {

inline std::string random_suffix() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 12; ++i) s.push_back("0123456789abcdef"[rd() % 16]);
  return s + "_" + std::to_string(::getpid());
}

// One database for one test; removed when the test ends.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& engine) : engine_(engine) {
    if (engine == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("cnss-store-" + random_suffix());
      std::filesystem::create_directories(dir_);
      available_ = true;
      return;
    }
    const char* base = std::getenv("CNSS_TEST_PG_URL");
    if (base == nullptr || *base == '\0') {
      skip_reason_ = "CNSS_TEST_PG_URL is not set: PostgreSQL skipped (scripts/test.sh sets it)";
      return;
    }
    base_url_ = base;
    schema_ = "t_" + random_suffix();
    const bool uri = base_url_.find("://") != std::string::npos;
    url_ = uri ? base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
                     "options=-csearch_path%3D" + schema_
               : base_url_ + " options='-csearch_path=" + schema_ + "'";
    available_ = exec_with(base_url_, "CREATE SCHEMA " + schema_);
    if (!available_) skip_reason_ = "cannot reach PostgreSQL at CNSS_TEST_PG_URL: " + error_;
  }

  ~TestDatabase() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    if (!schema_.empty() && available_) exec_with(base_url_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool available() const { return available_; }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& engine() const { return engine_; }
  std::filesystem::path dir() const { return dir_; }
  std::string sqlite_path() const { return (dir_ / "hub.db").string(); }
  const std::string& pg_url() const { return url_; }
  // PostgreSQL: the schema this test's tables are in ("" for SQLite).
  const std::string& pg_schema() const { return schema_; }

  store::Options options(std::size_t pool_size = 8) const {
    store::Options o;
    o.engine = engine_;
    o.path = engine_ == "sqlite" ? sqlite_path() : "";
    o.url = url_;
    o.pool_size = pool_size;
    return o;
  }

  // Runs SQL through the engine's own C API, behind the store's back (the tests' tamperer).
  bool exec(const std::string& sql) {
    if (engine_ != "sqlite") return exec_with(url_, sql);
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(sqlite_path().c_str(), &db) == SQLITE_OK;
    char* err = nullptr;
    if (ok) sqlite3_busy_timeout(db, 5000);
    ok = ok && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK;
    error_ = err ? err : (ok ? "" : sqlite3_errmsg(db));
    sqlite3_free(err);
    sqlite3_close(db);
    return ok;
  }

  // Lets the tamperer change, delete or insert journal rows despite the append-only triggers and
  // the one that makes inserts extend the chain (as a database owner can).
  bool tamper(const std::string& sql) {
    if (engine_ == "sqlite") {
      return exec(
          "DROP TRIGGER IF EXISTS audit_journal_no_update; DROP TRIGGER IF EXISTS "
          "audit_journal_no_delete; DROP TRIGGER IF EXISTS audit_journal_extends_chain; " +
          sql);
    }
    return exec("ALTER TABLE audit_journal DISABLE TRIGGER USER; " + sql);
  }

  const std::string& last_error() const { return error_; }

  // Every byte the database keeps on disk for SQLite (main file and WAL); for PostgreSQL, the
  // text of every journal row.
  std::string stored_bytes() {
    if (engine_ == "sqlite") {
      std::string all;
      for (const char* suffix : {"", "-wal", "-journal"}) {
        std::ifstream in(sqlite_path() + suffix, std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      return all;
    }
    PGconn* c = PQconnectdb(url_.c_str());
    std::string all;
    PGresult* r = PQexec(c,
                         "SELECT j::text FROM audit_journal j UNION ALL SELECT h::text FROM "
                         "audit_journal_head h");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) all += std::string(PQgetvalue(r, i, 0)) + "\n";
    }
    PQclear(r);
    PQfinish(c);
    return all;
  }

 private:
  bool exec_with(const std::string& url, const std::string& sql) {
    PGconn* c = PQconnectdb(url.c_str());
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, sql.c_str());
      const auto st = PQresultStatus(r);
      ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
      PQclear(r);
    }
    error_ = ok ? "" : PQerrorMessage(c);
    PQfinish(c);
    return ok;
  }

  std::string engine_;
  std::filesystem::path dir_;
  std::string base_url_;
  std::string schema_;
  std::string url_;
  bool available_ = false;
  std::string skip_reason_;
  std::string error_;
};

// A test on each engine with its store open (the parameter names the engine; PostgreSQL is
// skipped when CNSS_TEST_PG_URL is not set).
class StoreOnEngine : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    auto s = store::open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace hub::testing
