// The workbench's reading actions: published versions, their diffs, and drafts.
#include "hub/workbench/diff.hpp"
#include "hub/workbench/shapes.hpp"
#include "hub/workbench/workbench.hpp"

namespace hub::workbench {

Result<Answer> Workbench::list_mappings() {
  auto latest = latest_versions(*p_.store);
  if (!latest) return latest.error();
  const auto served = p_.served ? p_.served() : std::map<std::string, std::int64_t>{};
  std::string out = "{\"mappings\":[";
  for (std::size_t i = 0; i < latest->size(); ++i) {
    const auto& v = (*latest)[i].meta;
    auto it = served.find(v.mapping);
    std::string info = version_info_json(v);
    info.pop_back();
    out += (i ? "," : "") + std::string("{\"id\":\"") + v.mapping + "\",\"type\":\"" +
           (*latest)[i].files.kind() + "\"," + info.substr(1) +
           ",\"served_version\":" + std::to_string(it == served.end() ? 0 : it->second) + "}";
  }
  return Answer{200, out + "]}", ""};
}

Result<Answer> Workbench::list_versions(const std::string& mapping) {
  auto all = versions_of(*p_.store, mapping);
  if (!all) return all.error();
  std::string out = "{\"versions\":[";
  for (std::size_t i = 0; i < all->size(); ++i)
    out += (i ? "," : "") + version_info_json((*all)[i].meta);
  return Answer{200, out + "]}", mapping};
}

Result<Answer> Workbench::get_version(const std::string& mapping, std::int64_t version) {
  auto v = version_of(*p_.store, mapping, version);
  if (!v) return v.error();
  return Answer{200, version_json(*v), mapping};
}

Result<Answer> Workbench::diff(const std::string& mapping, std::int64_t from, std::int64_t to) {
  auto a = version_of(*p_.store, mapping, from);
  if (!a) return a.error();
  auto b = version_of(*p_.store, mapping, to);
  if (!b) return b.error();
  const std::string name = a->files.file;
  const std::string text =
      unified_diff(a->files.yaml, b->files.yaml, name + "@" + std::to_string(from),
                   name + "@" + std::to_string(to));
  std::string out = "{\"from\":" + std::to_string(from) + ",\"to\":" + std::to_string(to) +
                    ",\"diff\":" + json_string(text) + ",\"cases_changed\":[";
  const auto cases = cases_changed(a->files, b->files);
  for (std::size_t i = 0; i < cases.size(); ++i) out += (i ? "," : "") + json_string(cases[i]);
  return Answer{200, out + "]}", mapping};
}

Result<Answer> Workbench::list_drafts() {
  auto all = workbench::list_drafts(*p_.store);
  if (!all) return all.error();
  std::string out = "{\"drafts\":[";
  for (std::size_t i = 0; i < all->size(); ++i) out += (i ? "," : "") + draft_info_json((*all)[i]);
  return Answer{200, out + "]}", ""};
}

Result<Answer> Workbench::get_draft(const std::string& id) {
  auto d = draft(id);
  if (!d) return d.error();
  return Answer{200, draft_full_json(*d), d->mapping};
}

}  // namespace hub::workbench
