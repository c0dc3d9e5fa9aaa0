// One mapping as the workbench versions it: its YAML and its golden cases, as the files they are
// under mappings/ (docs/mapping-language.md, "Golden cases"), so that a version can be written
// back to a folder of the same layout and compiled by the same code as a folder on disk.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hub/core/error.hpp"

namespace hub::workbench {

struct MappingFiles {
  std::string id;    // the YAML's `mapping:`: dgsn.identity
  std::string file;  // relative to the mappings folder: dgsn/identity.yaml
  std::string yaml;
  // The case files beside it, by name under <partner>/cases/: identity.full.xml,
  // identity.full.expected.json, ...
  std::map<std::string, std::string> cases;

  std::string partner_dir() const;  // "dgsn"
  std::string stem() const;         // "identity"
};

// Every mapping of a mappings folder (canonical/ and tables/ aside), with its cases, by id. A
// file whose `mapping:` cannot be read is keyed by its file name.
Result<std::vector<MappingFiles>> read_mapping_files(const std::filesystem::path& dir);

// Writes the mappings and their cases under dir, in the layout of mappings/ (existing files of
// the same names are replaced; nothing else is removed).
Result<void> write_mapping_files(const std::filesystem::path& dir,
                                 const std::vector<MappingFiles>& mappings);

// {"id", "file", "yaml", "cases": {name: text}} and back.
std::string to_json(const MappingFiles& m);
Result<MappingFiles> mapping_files_from_json(std::string_view json);

}  // namespace hub::workbench
