#include "hub/workbench/published.hpp"

#include "hub/workbench/build.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::workbench {

Result<PublishedSet> compile_published(store::Store& store, const std::filesystem::path& base) {
  PublishedSet out;
  auto version = set_version(store);
  if (!version) return version.error();
  out.set_version = *version;
  auto latest = latest_versions(store);
  if (!latest) return latest.error();
  std::vector<MappingFiles> files;
  for (auto& v : *latest) {
    out.versions[v.meta.mapping] = v.meta.version;
    files.push_back(std::move(v.files));
  }
  out.report = compile_set(base, files);
  return out;
}

std::string problems_text(const mapping::LoadReport& report) {
  std::string why;
  for (const auto& d : report.diagnostics) why += d.str() + "\n";
  for (const auto& c : report.cases)
    if (!c.passed) why += c.mapping_id + " case " + c.name + ": " + c.message + "\n";
  return why;
}

}  // namespace hub::workbench
