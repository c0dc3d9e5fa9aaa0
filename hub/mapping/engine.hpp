// The mapping engine's public face: an immutable snapshot of compiled mappings, evaluated against
// partner payloads (forward) or canonical records (reverse), and a registry that swaps in a new
// snapshot only when it compiles and all its golden cases pass.
#pragma once

#include "hub/core/error.hpp"
#include "hub/mapping/canonical.hpp"
#include "hub/mapping/compiler.hpp"
#include "hub/mapping/diagnostic.hpp"
#include "hub/mapping/program.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hub::mapping {

// Request-scoped facts carried into the provenance.
struct Context {
  std::string_view correlation_id;
  std::string_view fetched_at;  // RFC 3339
};

struct FieldProblem {
  std::string field;  // JSON pointer into the record: /children/2/birth_date
  std::string code;   // invalid_date, invalid_ice, not_in_enum, not_in_table, ...
  std::string message;
};

class MappedRecord {
 public:
  // Where a value came from. Kept as indices into the compiled mapping so that recording it
  // costs no allocation per field; pointer() spells it out when someone asks.
  struct Source {
    std::int32_t frame = -1;       // the enclosing object or array item
    const Field* field = nullptr;  // null: the frame itself (an object's `from`, an array item)
    std::string_view path;         // the source path that gave the value, as written
    std::int32_t index = -1;       // array items: the item's index in the payload
  };

  std::string json;  // the canonical record
  std::vector<FieldProblem> problems;

  const std::string& mapping_id() const { return mapping_->id; }
  int version() const { return mapping_->version; }
  const std::string& entity() const { return mapping_->entity->name; }
  std::string_view correlation_id() const {
    return std::string_view(context_).substr(0, correlation_id_size_);
  }
  std::string_view fetched_at() const {
    return std::string_view(context_).substr(correlation_id_size_);
  }
  const std::vector<Source>& sources() const { return sources_; }
  // JSON pointer of the value in the record: /children/2/birth_date
  std::string pointer(const Source& s) const;
  // {"mapping": id, "version": n, "correlation_id": ..., "fields": {"/cnie": "c:NumeroCNIE", ...}}
  std::string provenance_json() const;

 private:
  friend class Evaluator;
  friend class EvalState;
  struct Frame {
    const Field* field = nullptr;
    std::int32_t out_index = -1;
    std::int32_t parent = -1;
  };
  void append_pointer(std::int32_t frame, std::string& out) const;

  std::shared_ptr<const Mapping> mapping_;  // keeps the snapshot (and so `path`) alive
  std::vector<Source> sources_;
  std::vector<Frame> frames_;
  std::string context_;  // the correlation id, then the fetch time
  std::size_t correlation_id_size_ = 0;
};

// A partner view built from a canonical record: JSON or namespaced XML text.
struct PartnerView {
  std::string content_type;  // application/json or application/xml
  std::string body;
};

class Snapshot : public std::enable_shared_from_this<Snapshot> {
 public:
  Result<MappedRecord> map(std::string_view mapping_id, std::string_view payload,
                           const Context& ctx) const;
  Result<PartnerView> reverse(std::string_view mapping_id, std::string_view canonical_json) const;

  std::shared_ptr<const Mapping> find(std::string_view mapping_id) const;
  std::vector<std::string> ids() const;
  const CanonicalModel& model() const { return model_; }
  std::size_t size() const { return mappings_.size(); }

 private:
  friend struct SnapshotBuilder;
  CanonicalModel model_;
  TableSet tables_;
  std::map<std::string, std::shared_ptr<const Mapping>, std::less<>> mappings_;
};

using MappingSet = Snapshot;

struct CaseResult {
  std::string mapping_id;
  std::string name;  // the case file
  bool passed = false;
  std::string message;
};

struct LoadReport {
  std::shared_ptr<const Snapshot> snapshot;  // null when anything failed
  Diagnostics diagnostics;                   // compile errors and failed cases
  std::vector<CaseResult> cases;
  bool ok() const { return snapshot != nullptr; }
};

// Compiles mappings/ (canonical/, tables/, <partner>/*.yaml) and runs every golden case.
LoadReport load_mapping_set(const std::filesystem::path& dir);
// Compiles one mapping file with the canonical model and tables of its set, and runs its cases
// unless told not to.
LoadReport load_mapping_file(const std::filesystem::path& file, bool with_cases = true);

// The catalog of mappings the hub serves: the current snapshot of a mappings folder. reload()
// works off the request path; current() is wait-free for readers apart from the shared_ptr's
// reference count.
class Catalog {
 public:
  explicit Catalog(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Compiles and tests a new snapshot; swaps it in only when everything passed. On failure the
  // old snapshot keeps serving and the report says why.
  LoadReport reload();
  std::shared_ptr<const Snapshot> current() const { return current_.load(); }
  // Serves a snapshot compiled and tested elsewhere (the store's published set,
  // hub/workbench/follower.hpp): the caller vouches that its golden cases passed.
  void serve(std::shared_ptr<const Snapshot> snapshot) { current_.store(std::move(snapshot)); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace hub::mapping
