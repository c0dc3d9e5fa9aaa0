// Holds a store's write lock from outside the hub, as a long transaction or a stuck database
// would: on PostgreSQL one table locked (ACCESS EXCLUSIVE), on SQLite the whole database
// write-locked (BEGIN IMMEDIATE on another connection). Released on release() or destruction.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <string>

#include "unit/store/engines.hpp"

namespace testing_support {

class StoreLock {
 public:
  StoreLock(hub::testing::TestDatabase& db, const std::string& pg_table) {
    if (db.engine() == "sqlite") {
      sqlite3_open(db.sqlite_path().c_str(), &sqlite_);
      held_ = sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    } else {
      pg_ = PQconnectdb(db.pg_url().c_str());
      const std::string sql = "BEGIN; LOCK TABLE " + pg_table + " IN ACCESS EXCLUSIVE MODE";
      PGresult* r = PQexec(pg_, sql.c_str());
      held_ = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
  }
  ~StoreLock() { release(); }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  bool held() const { return held_; }
  void release() {
    if (sqlite_)
      sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr), sqlite3_close(sqlite_);
    if (pg_) PQclear(PQexec(pg_, "ROLLBACK")), PQfinish(pg_);
    sqlite_ = nullptr;
    pg_ = nullptr;
  }

 private:
  sqlite3* sqlite_ = nullptr;
  PGconn* pg_ = nullptr;
  bool held_ = false;
};

}  // namespace testing_support
