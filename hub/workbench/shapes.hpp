// The workbench API's JSON shapes (docs/openapi/workbench.yaml): versions, drafts and golden
// cases as the page reads them.
#pragma once

#include <cstdint>
#include <string>

#include "hub/workbench/drafts.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::workbench {

// A JSON string literal, quotes included.
std::string json_string(const std::string& s);
// 2026-12-01T11:52:46.123Z
std::string rfc3339(std::int64_t ms);
// [{"name", "format", "input", "expected"}], by case name; `expected` is the expected file's JSON
// (or its text when it is XML or not JSON). An input that is not UTF-8 (a case about bad bytes)
// is given as "input": "" and "input_base64".
std::string cases_json(const MappingFiles& m);
// {version, parent, author, approver, published_at, reason, kind}
std::string version_info_json(const VersionMeta& v);
// The info with mapping, type ("mapping" | "table"), file, yaml and cases.
std::string version_json(const Version& v);
// {draft, mapping, type, base_version, state, author, requested_at?, reason?, decided_by?,
// version?}
std::string draft_info_json(const Draft& d);
// The info with file, yaml and cases.
std::string draft_full_json(const Draft& d);

}  // namespace hub::workbench
