// Storage behind one interface, two engines: SQLite (embedded default, WAL) and PostgreSQL.
#pragma once

#include <memory>
#include <string>

#include "hub/core/error.hpp"

namespace hub::store {

struct Options {
  std::string engine = "sqlite";  // sqlite | postgresql
  std::string path;               // sqlite: the database file (its folder is created)
  std::string url;                // postgresql: a libpq connection string
  std::size_t pool_size = 8;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string engine() const = 0;
  // Reachable and answering a trivial query.
  virtual Result<void> ping() = 0;
  // The schema version applied by the migrations.
  virtual Result<int> schema_version() = 0;
};

// Opens the store and applies the pending schema migrations.
Result<std::unique_ptr<Store>> open(const Options& options);

}  // namespace hub::store
