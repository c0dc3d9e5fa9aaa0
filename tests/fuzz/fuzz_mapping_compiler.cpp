// Any bytes as a mapping file: the compiler answers a mapping or diagnostics, never crashes.
#include "fuzz_support.hpp"

#include "hub/mapping/compiler.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const auto set = hub::mapping::fuzz::shipped_set();
  static hub::mapping::Diagnostics ignored;
  static const hub::mapping::TableSet tables = hub::mapping::load_tables(
      std::filesystem::path(CNSS_SOURCE_DIR) / "mappings/tables", ignored);
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const YAML::Exception&) {
    return 0;  // a syntax error: load_yaml turns it into a yaml_syntax diagnostic
  }
  hub::mapping::Diagnostics diags;
  auto m = hub::mapping::compile_mapping(doc, "fuzz.yaml", set->model(), tables, diags);
  if (m && !diags.empty()) __builtin_trap();  // a mapping with a problem is never returned
  for (const auto& d : diags) (void)d.str();
  return 0;
}
