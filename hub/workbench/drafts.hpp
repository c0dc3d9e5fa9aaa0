// Drafts of a mapping (docs/workbench.md, "Drafts"): each a record stream `mapping-draft/<id>`
// (kind mapping_draft, labelled with its state), whose events are the actions taken on it and
// whose state is the draft as it stands. States: editing -> awaiting_approval -> published, or
// rejected; a draft is edited by its author only, while editing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/store/store.hpp"
#include "hub/workbench/files.hpp"

namespace hub::workbench {

struct Draft {
  std::string id;
  std::string mapping;
  std::int64_t base_version = 0;
  std::string state = "editing";
  std::string author;
  std::string reason;      // the author's, when asking to publish
  std::string decided_by;  // the approver who approved or rejected it
  std::int64_t created_ms = 0;
  std::int64_t requested_ms = 0;  // 0 until publication is asked
  std::int64_t version = 0;       // the version it became, once published
  MappingFiles files;
  std::int64_t stream_version = 0;  // the stream's version it was read at
};

std::string draft_json(const Draft& d);
Result<std::optional<Draft>> read_draft(store::Store& store, const std::string& id);
// Every draft, newest first.
Result<std::vector<Draft>> list_drafts(store::Store& store);
// The write that records `action` (draft.created, draft.edited, ...) on the draft and makes `d`
// its state, expected at d.stream_version (conflict/stale_version if it moved meanwhile).
store::StreamWrite draft_write(const Draft& d, const std::string& action,
                               const std::string& principal, const std::string& reason,
                               std::int64_t now_ms);
// Commits draft_write() alone; d.stream_version follows.
Result<void> save_draft(store::Store& store, Draft& d, const std::string& action,
                        const std::string& principal, const std::string& reason,
                        std::int64_t now_ms);

}  // namespace hub::workbench
