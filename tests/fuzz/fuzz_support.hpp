// The shipped mapping set, loaded once per fuzzing process (without running its golden cases).
#pragma once

#include "hub/mapping/engine.hpp"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

// Any undefined behaviour is a finding (halt_on_error), except the known one suppressed in
// ubsan.supp. One fuzz target per executable includes this header, so the definition is unique.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" CNSS_SOURCE_DIR
         "/tests/fuzz/ubsan.supp";
}

namespace hub::mapping::fuzz {

inline std::shared_ptr<const Snapshot> shipped_set() {
  static const std::shared_ptr<const Snapshot> s = [] {
    auto report = load_mapping_set(std::filesystem::path(CNSS_SOURCE_DIR) / "mappings");
    if (!report.ok()) std::abort();  // the fuzzer needs the real mappings to be meaningful
    return report.snapshot;
  }();
  return s;
}

// The ids of the shipped forward mappings, by the format they read: every partner's, without
// naming them, so that a new partner's mappings are fuzzed too.
struct ForwardMappings {
  std::vector<std::string> xml, json;
};

inline const ForwardMappings& forward_mappings() {
  static const ForwardMappings f = [] {
    ForwardMappings out;
    auto set = shipped_set();
    for (const auto& id : set->ids()) {
      const auto m = set->find(id);
      if (m->direction != Direction::forward) continue;
      (m->format == Format::xml ? out.xml : out.json).push_back(id);
    }
    return out;
  }();
  return f;
}

}  // namespace hub::mapping::fuzz
