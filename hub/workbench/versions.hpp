// The published mappings and code tables in the store (docs/workbench.md, "Versions in the
// store"): each mapping, and each code table as `table.<name>`, is a record stream `mapping/<id>`
// whose events are its immutable versions (1, 2, 3, ...), and
// one stream `mapping-set` changes with every publication, so that a node learns of one by
// reading a single small record. Both engines hold them in their records tables, as the access
// agreements are held (hub/agreements/stored.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/store/store.hpp"
#include "hub/workbench/files.hpp"

namespace hub::workbench {

inline constexpr const char* kSetStream = "mapping-set";

struct VersionMeta {
  std::string mapping;
  std::int64_t version = 0;
  std::int64_t parent = 0;  // the version it was made from; 0 for a seed
  std::string kind;         // seed | publish | rollback
  std::string author;       // who wrote it (the draft's author; the operator for a seed)
  std::string approver;     // who approved it (the rollback's principal; "" for a seed)
  std::string reason;
  std::string draft;  // the draft it came from, "" for a seed or a rollback
  std::int64_t time_ms = 0;
};

struct Version {
  VersionMeta meta;
  MappingFiles files;
};

// Stores every item (mapping or code table) as its version 1 (kind seed) when the store holds no
// mapping set yet, and the code tables alone when it holds a set without any (stored before code
// tables were versioned); a node that finds one seeded meanwhile by another node keeps it. True
// when this call seeded.
Result<bool> seed_if_empty(store::Store& store, const std::vector<MappingFiles>& items,
                           const std::string& principal, std::int64_t now_ms);
// The version of the `mapping-set` stream: it grows with every publication (0: never seeded).
Result<std::int64_t> set_version(store::Store& store);
// The latest version of every mapping and code table.
Result<std::vector<Version>> latest_versions(store::Store& store);
// One mapping's versions, newest first (not_found/unknown_mapping when it has none).
Result<std::vector<Version>> versions_of(store::Store& store, const std::string& mapping);
Result<Version> version_of(store::Store& store, const std::string& mapping, std::int64_t version);

// Adds v as the next version of its mapping, v.meta.version being set to it, when the mapping's
// latest version is still `expected_latest` (else conflict/stale_base), together with `also`
// (the draft's own change) in the same transaction.
Result<std::int64_t> add_version(store::Store& store, Version& v, std::int64_t expected_latest,
                                 std::optional<store::StreamWrite> also = std::nullopt);

}  // namespace hub::workbench
