#include "hub/workbench/diff.hpp"

#include <dtl/dtl.hpp>

#include <set>
#include <sstream>

namespace hub::workbench {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// identity.full.expected.json -> full
std::string case_name(const std::string& file, const std::string& stem) {
  std::string rest = file.substr(stem.size() + 1);
  const auto dot = rest.find('.');
  return dot == std::string::npos ? rest : rest.substr(0, dot);
}

}  // namespace

std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_name,
                         const std::string& b_name) {
  if (a == b) return {};
  const auto la = lines_of(a);
  const auto lb = lines_of(b);
  dtl::Diff<std::string, std::vector<std::string>> d(la, lb);
  d.compose();
  d.composeUnifiedHunks();
  std::ostringstream out;
  out << "--- " << a_name << "\n+++ " << b_name << "\n";
  d.printUnifiedFormat(out);
  return out.str();
}

std::vector<std::string> cases_changed(const MappingFiles& a, const MappingFiles& b) {
  std::set<std::string> names;
  for (const auto& [file, text] : a.cases) {
    auto it = b.cases.find(file);
    if (it == b.cases.end() || it->second != text) names.insert(case_name(file, a.stem()));
  }
  for (const auto& [file, text] : b.cases)
    if (!a.cases.count(file)) names.insert(case_name(file, b.stem()));
  return {names.begin(), names.end()};
}

}  // namespace hub::workbench
