// The workbench's publishing actions: the four-eyes publication of a draft (of a mapping or a
// code table), its rejection, and rollbacks. A version is stored only when the whole set with it
// compiles and passes every golden case: what the nodes would refuse to serve is refused here
// first.
#include <set>

#include "hub/workbench/build.hpp"
#include "hub/workbench/shapes.hpp"
#include "hub/workbench/workbench.hpp"

namespace hub::workbench {

Result<void> Workbench::publishing_on() const {
  if (p_.publishing) return {};
  return make_error(Errc::conflict,
                    "this hub serves its mappings folder (hub.mappings_from: files): publishing "
                    "from the workbench needs hub.mappings_from: store (docs/workbench.md)",
                    "mappings_from_files");
}

Result<void> Workbench::publishable(const MappingFiles& files) {
  auto set = published_files();
  if (!set) return set.error();
  auto report = compile_with(p_.base, *set, files);
  if (report.ok()) return {};
  Error e = make_error(
      Errc::unprocessable,
      std::to_string(report.diagnostics.size()) + " problem(s): the set with this " + files.kind() +
          " does not compile or fails golden cases; first: " + report.diagnostics.front().str(),
      "draft_failing");
  // The failing cases, and the mappings they belong to (for a code table, the mappings it
  // breaks).
  std::string failed, mappings;
  std::set<std::string> seen;
  for (const auto& c : report.cases) {
    if (c.passed) continue;
    failed += (failed.empty() ? "" : ",") + json_string(c.name);
    if (seen.insert(c.mapping_id).second)
      mappings += (mappings.empty() ? "" : ",") + json_string(c.mapping_id);
  }
  e.details_json = "{\"diagnostics\":" + diagnostics_json(report.diagnostics, files) +
                   ",\"failed_cases\":[" + failed + "],\"failed_mappings\":[" + mappings + "]}";
  return e;
}

Result<Answer> Workbench::ask_publish(const std::string& id, const std::string& reason,
                                      const std::string& principal) {
  if (reason.empty())
    return make_error(Errc::invalid_input, "/reason: say why this change is made", "invalid_input");
  if (auto on = publishing_on(); !on) return on.error();
  auto d = editable(id, principal);
  if (!d) return d.error();
  if (auto ok = publishable(d->files); !ok) return ok.error();
  d->state = "awaiting_approval";
  d->reason = reason;
  d->requested_ms = p_.now_ms();
  if (auto r = save_draft(*p_.store, *d, "draft.publish_asked", principal, reason, d->requested_ms);
      !r)
    return r.error();
  return Answer{202, "{\"state\":\"awaiting_approval\"}", d->mapping};
}

Result<Answer> Workbench::approve(const std::string& id, const std::string& principal) {
  if (auto on = publishing_on(); !on) return on.error();
  auto d = draft(id);
  if (!d) return d.error();
  if (d->author == principal)
    return make_error(Errc::forbidden,
                      "the four-eyes rule: the draft's author cannot approve it; another "
                      "principal with the role mapping_approver must",
                      "self_approval");
  if (d->state != "awaiting_approval")
    return make_error(Errc::conflict, "the draft is " + d->state + ", not awaiting approval",
                      "draft_not_awaiting");
  if (auto ok = publishable(d->files); !ok) return ok.error();
  const std::int64_t now = p_.now_ms();
  Version v{
      {d->mapping, 0, d->base_version, "publish", d->author, principal, d->reason, d->id, now},
      d->files};
  d->state = "published";
  d->decided_by = principal;
  d->version = d->base_version + 1;
  auto added = add_version(*p_.store, v, d->base_version,
                           draft_write(*d, "draft.approved", principal, d->reason, now));
  if (!added) return added.error();
  return Answer{200, "{\"version\":" + std::to_string(*added) + "}", d->mapping};
}

Result<Answer> Workbench::reject(const std::string& id, const std::string& reason,
                                 const std::string& principal) {
  auto d = draft(id);
  if (!d) return d.error();
  if (d->state != "awaiting_approval")
    return make_error(Errc::conflict, "the draft is " + d->state + ", not awaiting approval",
                      "draft_not_awaiting");
  d->state = "rejected";
  d->decided_by = principal;
  if (auto r = save_draft(*p_.store, *d, "draft.rejected", principal, reason, p_.now_ms()); !r)
    return r.error();
  return Answer{200, "{\"state\":\"rejected\"}", d->mapping};
}

Result<Answer> Workbench::rollback(const std::string& mapping, std::int64_t to,
                                   const std::string& reason, const std::string& principal) {
  if (reason.empty())
    return make_error(Errc::invalid_input, "/reason: say why the mapping is rolled back",
                      "invalid_input");
  if (auto on = publishing_on(); !on) return on.error();
  auto versions = versions_of(*p_.store, mapping);
  if (!versions) return versions.error();
  const std::int64_t latest = versions->front().meta.version;
  const Version* target = nullptr;
  for (const auto& v : *versions)
    if (v.meta.version == to) target = &v;
  if (!target)
    return make_error(Errc::not_found,
                      "mapping '" + mapping + "' has no version " + std::to_string(to),
                      "unknown_version");
  if (auto ok = publishable(target->files); !ok) return ok.error();
  Version v{{mapping, 0, latest, "rollback", principal, principal, reason, "", p_.now_ms()},
            target->files};
  auto added = add_version(*p_.store, v, latest);
  if (!added) return added.error();
  return Answer{200, "{\"version\":" + std::to_string(*added) + "}", mapping};
}

}  // namespace hub::workbench
