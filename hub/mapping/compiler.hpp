// YAML mapping -> compiled Mapping, checked against the canonical model; every problem found is
// reported with its position and a stable code, and a mapping with any problem is not returned.
#pragma once

#include "hub/mapping/canonical.hpp"
#include "hub/mapping/diagnostic.hpp"
#include "hub/mapping/program.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace YAML {
class Node;
}

namespace hub::mapping {

using TableSet = std::map<std::string, std::unique_ptr<Table>, std::less<>>;

// Loads mappings/tables/*.yaml: `entries: {code: value}` and an optional `default`.
TableSet load_tables(const std::filesystem::path& dir, Diagnostics& diags);

std::shared_ptr<Mapping> compile_mapping(const YAML::Node& doc, const std::string& file,
                                         const CanonicalModel& model, const TableSet& tables,
                                         Diagnostics& diags);
std::shared_ptr<Mapping> compile_mapping_file(const std::filesystem::path& file,
                                              const CanonicalModel& model, const TableSet& tables,
                                              Diagnostics& diags);

}  // namespace hub::mapping
