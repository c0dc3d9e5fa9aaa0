// Compiling stored mappings with the code that compiles a folder on disk: the mappings and the
// set's code tables are written to a private temporary folder beside a link to the configured
// canonical/ (and to its tables/ when the set holds none: a store seeded before code tables were
// versioned), compiled and tested there (hub/mapping/engine.hpp), and the folder is removed. Only
// golden cases and mapping text are written there, never a partner's answer.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hub/mapping/engine.hpp"
#include "hub/workbench/files.hpp"

namespace hub::workbench {

// Compiles the whole set and runs every golden case; `base` holds canonical/ and tables/.
// Mappings compile against the code tables of the same set.
mapping::LoadReport compile_set(const std::filesystem::path& base,
                                const std::vector<MappingFiles>& set);

// Compiles the set with `one` (a mapping or a code table) in place of the item of the same file
// (or added) and runs every golden case: what a node would serve if `one` were published.
mapping::LoadReport compile_with(const std::filesystem::path& base,
                                 const std::vector<MappingFiles>& set, const MappingFiles& one);

// Compiles one mapping (with_cases: and runs its cases) among the set, which it replaces or
// joins; a `use:` resolves against the set's other files.
mapping::LoadReport compile_one(const std::filesystem::path& base,
                                const std::vector<MappingFiles>& set, const MappingFiles& one,
                                bool with_cases);

// The diagnostics of a report as the API gives them: [{line, col, end_line, end_col, code,
// message, path, file}], file relative to the mappings folder (the mapping's own file is
// `one.file`; a case is `cases/<name>`); the span ends where the token at line:col ends.
std::string diagnostics_json(const mapping::Diagnostics& diags, const MappingFiles& one);

}  // namespace hub::workbench
