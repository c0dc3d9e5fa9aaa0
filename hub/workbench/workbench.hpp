// The mapping workbench's actions (issue 13, docs/workbench.md; HTTP in
// hub/api/workbench_routes.cpp): drafts made from published versions, edited, validated,
// dry-run, tested and replayed, then published under the four-eyes rule, and rollbacks. Each
// action returns the answer's status and JSON body, or an error with a stable code. The calls
// read and write the store: run them off the I/O threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "hub/mapping/engine.hpp"
#include "hub/store/store.hpp"
#include "hub/workbench/drafts.hpp"
#include "hub/workbench/sample.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::workbench {

struct Answer {
  unsigned status = 200;
  std::string body;     // JSON
  std::string mapping;  // the mapping the action was about, for the journal
};

struct WorkbenchParts {
  store::Store* store = nullptr;
  std::filesystem::path base;                 // canonical/ and tables/
  const mapping::Catalog* catalog = nullptr;  // what this node serves (replay's "published")
  const AnswerSample* sample = nullptr;       // null: no replay sample
  std::function<std::int64_t()> now_ms;
  std::function<std::map<std::string, std::int64_t>()> served;  // mapping -> version served
  bool publishing = true;  // false: the node serves files (hub.mappings_from: files)
};

class Workbench {
 public:
  explicit Workbench(WorkbenchParts parts) : p_(std::move(parts)) {}

  // Reading.
  Result<Answer> list_mappings();
  Result<Answer> list_versions(const std::string& mapping);
  Result<Answer> get_version(const std::string& mapping, std::int64_t version);
  Result<Answer> diff(const std::string& mapping, std::int64_t from, std::int64_t to);
  Result<Answer> list_drafts();
  Result<Answer> get_draft(const std::string& id);

  // Drafting (role mapping_author; edits by the draft's author only).
  Result<Answer> create_draft(const std::string& mapping, std::optional<std::int64_t> from,
                              const std::string& principal);
  Result<Answer> edit_yaml(const std::string& id, const std::string& yaml,
                           const std::string& principal);
  // format: "xml" | "json" | "" (the case's own, else xml when the input starts with '<').
  Result<Answer> edit_case(const std::string& id, const std::string& name, const std::string& input,
                           std::string format, const std::string& expected,
                           const std::string& principal);
  Result<Answer> validate(const std::string& id);
  Result<Answer> dry_run(const std::string& id, const std::string& payload);
  Result<Answer> run_cases(const std::string& id);
  Result<Answer> replay(const std::string& id);

  // Publishing: the author asks, another approver approves (Errc::forbidden/self_approval).
  Result<Answer> ask_publish(const std::string& id, const std::string& reason,
                             const std::string& principal);
  Result<Answer> approve(const std::string& id, const std::string& principal);
  Result<Answer> reject(const std::string& id, const std::string& reason,
                        const std::string& principal);
  Result<Answer> rollback(const std::string& mapping, std::int64_t to, const std::string& reason,
                          const std::string& principal);

 private:
  Result<Draft> draft(const std::string& id);
  Result<Draft> editable(const std::string& id, const std::string& principal);
  Result<std::vector<MappingFiles>> published_files();
  // The draft compiled among the published set (with_cases: and its cases run).
  Result<mapping::LoadReport> compile(const Draft& d, bool with_cases);
  // Error draft_failing (422) unless the set with `files` in it compiles and passes every case.
  Result<void> publishable(const MappingFiles& files);
  Result<void> publishing_on() const;

  WorkbenchParts p_;
};

}  // namespace hub::workbench
