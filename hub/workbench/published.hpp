// The store's published set compiled as a node serves it (docs/workbench.md, "Every node serves
// the latest set"): the latest version of every mapping and code table, the mappings compiled
// against the tables of the same set and every golden case run, off the request path. The
// follower (follower.hpp) swaps it in; `cnss-hub check` reports its problems.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "hub/mapping/engine.hpp"
#include "hub/store/store.hpp"

namespace hub::workbench {

struct PublishedSet {
  std::int64_t set_version = 0;                  // the `mapping-set` stream's (0: never seeded)
  std::map<std::string, std::int64_t> versions;  // item id -> its latest version
  // Diagnostics name files as under mappings/ (dgsn/identity.yaml:12:5, tables/x.yaml:3:3).
  mapping::LoadReport report;
};

// Reads and compiles the published set; `base` holds canonical/ (and the tables/ a set stored
// before code tables were versioned compiles against). Errors: the store's.
Result<PublishedSet> compile_published(store::Store& store, const std::filesystem::path& base);

// The report's problems, one a line: every diagnostic (file:line:col: code: message) and every
// failed case (<mapping> case <file>: <first difference>).
std::string problems_text(const mapping::LoadReport& report);

}  // namespace hub::workbench
