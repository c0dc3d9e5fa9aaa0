// One item of the published set as the workbench versions it, as the files it is under mappings/
// (docs/mapping-language.md), so that a version can be written back to a folder of the same
// layout and compiled by the same code as a folder on disk: a mapping, its YAML and its golden
// cases ("Golden cases"), or a code table, its YAML alone ("Code tables").
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hub/core/error.hpp"

namespace hub::workbench {

// The id of the code table tables/<name>.yaml in the published set: "table.<name>". No mapping
// id can take it (a mapping's id is its partner's folder, never tables/, and its name).
inline constexpr const char* kTablePrefix = "table.";

struct MappingFiles {
  std::string id;    // the YAML's `mapping:`: dgsn.identity; table.<name> for a code table
  std::string file;  // relative to the mappings folder: dgsn/identity.yaml, tables/<name>.yaml
  std::string yaml;
  // The case files beside it, by name under <partner>/cases/: identity.full.xml,
  // identity.full.expected.json, ...
  std::map<std::string, std::string> cases;

  std::string partner_dir() const;  // "dgsn"
  std::string stem() const;         // "identity"
  bool is_table() const;            // under tables/
  const char* kind() const;         // "mapping" | "table"
};

// Every mapping of a mappings folder with its cases, then every code table of its tables/
// (canonical/ aside), each sorted by file. A mapping whose `mapping:` cannot be read is keyed by
// its file name.
Result<std::vector<MappingFiles>> read_mapping_files(const std::filesystem::path& dir);

// Writes the mappings, their cases and the code tables under dir, in the layout of mappings/
// (existing files of the same names are replaced; nothing else is removed; a cases/ folder is
// made only for a mapping that has cases).
Result<void> write_mapping_files(const std::filesystem::path& dir,
                                 const std::vector<MappingFiles>& mappings);

// {"id", "file", "yaml", "cases": {name: text}} and back.
std::string to_json(const MappingFiles& m);
Result<MappingFiles> mapping_files_from_json(std::string_view json);

}  // namespace hub::workbench
