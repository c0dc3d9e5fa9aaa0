// The workbench's drafting actions: make, edit, validate, dry-run, test and replay a draft. A
// draft of a code table is edited, validated and tested (every case of the set) like a mapping's;
// a dry-run, a replay or a case is a mapping's.
#include <rapidjson/document.h>

#include "hub/core/ids.hpp"
#include "hub/workbench/build.hpp"
#include "hub/workbench/replay.hpp"
#include "hub/workbench/shapes.hpp"
#include "hub/workbench/workbench.hpp"

namespace hub::workbench {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool valid_case_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

// The line of the text's top-level `mapping:` key (1 when there is none).
int mapping_key_line(const std::string& yaml) {
  int line = 1;
  for (std::size_t i = 0; i < yaml.size(); ++line) {
    if (yaml.compare(i, 8, "mapping:") == 0) return line;
    i = yaml.find('\n', i);
    if (i == std::string::npos) break;
    ++i;
  }
  return 1;
}

std::string error_json(const Error& e) {
  return "{\"code\":" + json_string(std::string(e.wire_code())) +
         ",\"message\":" + json_string(e.message) + "}";
}

// [{"field", "code"}]: the record's field problems.
std::string problems_json(const mapping::MappedRecord& r) {
  std::string out = "[";
  for (std::size_t i = 0; i < r.problems.size(); ++i)
    out += (i ? "," : "") + std::string("{\"field\":") + json_string(r.problems[i].field) +
           ",\"code\":" + json_string(r.problems[i].code) + "}";
  return out + "]";
}

// What the compiled draft gives for one case input: {record, problems} or {error, detail}, or
// the partner view (a string for XML) for a reverse mapping.
std::string actual_json(const mapping::Snapshot& s, const mapping::Mapping& m,
                        const std::string& input) {
  if (m.direction == mapping::Direction::reverse) {
    auto r = s.reverse(m.id, input);
    if (!r) return "{\"error\":" + json_string(std::string(r.error().wire_code())) + "}";
    rapidjson::Document d;
    d.Parse(r->body.data(), r->body.size());
    return d.HasParseError() ? json_string(r->body) : "{\"output\":" + r->body + "}";
  }
  auto r = s.map(m.id, input, mapping::Context{"golden-case", ""});
  if (!r) {
    return "{\"error\":" + json_string(std::string(code_of(r.error().code))) +
           (r.error().detail.empty() ? "" : ",\"detail\":" + json_string(r.error().detail)) + "}";
  }
  return "{\"record\":" + r->json + ",\"problems\":" + problems_json(*r) + "}";
}

// Refuses an action that only a mapping has (a dry-run, a replay, a case) on a code table.
Result<void> a_mapping(const Draft& d, const char* action) {
  if (!d.files.is_table()) return {};
  return make_error(Errc::conflict,
                    d.mapping + " is a code table: " + action +
                        " is a mapping's; a table's draft runs the cases of every mapping (POST "
                        "/admin/v1/drafts/{draft}/cases/run)",
                    "not_a_mapping");
}

// {"passed", "failed", "cases": [{name, mapping, passed, message}], "diagnostics"}: every case
// of the set, as a code table's draft runs them.
std::string set_cases_json(const mapping::LoadReport& r, const MappingFiles& table) {
  int passed = 0, failed = 0;
  std::string cases;
  for (const auto& c : r.cases) {
    (c.passed ? passed : failed)++;
    cases += (cases.empty() ? "" : ",") + std::string("{\"name\":") + json_string(c.name) +
             ",\"mapping\":" + json_string(c.mapping_id) +
             ",\"passed\":" + (c.passed ? "true" : "false") +
             ",\"message\":" + json_string(c.message) + "}";
  }
  return "{\"passed\":" + std::to_string(passed) + ",\"failed\":" + std::to_string(failed) +
         ",\"cases\":[" + cases + "],\"diagnostics\":" + diagnostics_json(r.diagnostics, table) +
         "}";
}

}  // namespace

Result<Draft> Workbench::draft(const std::string& id) {
  auto d = read_draft(*p_.store, id);
  if (!d) return d.error();
  if (!*d) return make_error(Errc::not_found, "no draft '" + id + "'", "unknown_draft");
  return std::move(**d);
}

Result<Draft> Workbench::editable(const std::string& id, const std::string& principal) {
  auto d = draft(id);
  if (!d) return d;
  if (d->author != principal)
    return make_error(Errc::forbidden,
                      "only the draft's author (" + d->author + ") edits or submits it",
                      "not_the_author");
  if (d->state != "editing")
    return make_error(Errc::conflict, "the draft is " + d->state + ", no longer editable",
                      "draft_not_editable");
  return d;
}

Result<std::vector<MappingFiles>> Workbench::published_files() {
  auto latest = latest_versions(*p_.store);
  if (!latest) return latest.error();
  std::vector<MappingFiles> out;
  for (auto& v : *latest) out.push_back(std::move(v.files));
  return out;
}

Result<mapping::LoadReport> Workbench::compile(const Draft& d, bool with_cases) {
  auto set = published_files();
  if (!set) return set.error();
  // A code table is checked by what uses it: every mapping of the set, with every case.
  if (d.files.is_table()) return compile_with(p_.base, *set, d.files);
  auto report = compile_one(p_.base, *set, d.files, with_cases);
  if (report.diagnostics.empty() && report.snapshot && !report.snapshot->find(d.mapping)) {
    report.diagnostics.push_back(
        {d.files.file,
         {mapping_key_line(d.files.yaml), 1},
         "mapping_id_changed",
         "mapping",
         "a draft of '" + d.mapping + "' must keep `mapping: " + d.mapping + "`"});
    report.snapshot = nullptr;
  }
  return report;
}

Result<Answer> Workbench::create_draft(const std::string& mapping, std::optional<std::int64_t> from,
                                       const std::string& principal) {
  auto versions = versions_of(*p_.store, mapping);
  if (!versions) return versions.error();
  const Version* base = &versions->front();
  if (from) {
    base = nullptr;
    for (const auto& v : *versions)
      if (v.meta.version == *from) base = &v;
    if (!base)
      return make_error(Errc::not_found,
                        "mapping '" + mapping + "' has no version " + std::to_string(*from),
                        "unknown_version");
  }
  Draft d;
  d.id = new_uuid();
  d.mapping = mapping;
  d.base_version = base->meta.version;
  d.author = principal;
  d.created_ms = p_.now_ms();
  d.files = base->files;
  if (auto r = save_draft(*p_.store, d, "draft.created", principal, "", d.created_ms); !r)
    return r.error();
  return Answer{201, draft_full_json(d), mapping};
}

Result<Answer> Workbench::edit_yaml(const std::string& id, const std::string& yaml,
                                    const std::string& principal) {
  auto d = editable(id, principal);
  if (!d) return d.error();
  d->files.yaml = yaml;
  if (auto r = save_draft(*p_.store, *d, "draft.edited", principal, "", p_.now_ms()); !r)
    return r.error();
  auto report = compile(*d, false);
  if (!report) return report.error();
  return Answer{200, "{\"diagnostics\":" + diagnostics_json(report->diagnostics, d->files) + "}",
                d->mapping};
}

Result<Answer> Workbench::edit_case(const std::string& id, const std::string& name,
                                    const std::string& input, std::string format,
                                    const std::string& expected, const std::string& principal) {
  if (!valid_case_name(name))
    return make_error(Errc::invalid_input, "/case: a case name is 1 to 64 letters, digits, _ or -",
                      "invalid_input");
  auto d = editable(id, principal);
  if (!d) return d.error();
  if (auto m = a_mapping(*d, "a golden case"); !m) return m.error();
  const std::string prefix = d->files.stem() + "." + name + ".";
  for (auto it = d->files.cases.begin(); it != d->files.cases.end();) {
    if (it->first.rfind(prefix, 0) == 0) {
      if (format.empty() && !ends_with(it->first, ".expected.json") &&
          !ends_with(it->first, ".expected.xml"))
        format = ends_with(it->first, ".xml") ? "xml" : "json";
      it = d->files.cases.erase(it);
    } else {
      ++it;
    }
  }
  if (format.empty()) format = !input.empty() && input.front() == '<' ? "xml" : "json";
  if (format != "xml" && format != "json")
    return make_error(Errc::invalid_input, "/format: xml or json", "invalid_input");
  d->files.cases[prefix + format] = input;
  const bool xml_view = !expected.empty() && expected.front() == '<';
  d->files.cases[prefix + (xml_view ? "expected.xml" : "expected.json")] = expected;
  if (auto r = save_draft(*p_.store, *d, "draft.case_edited", principal, name, p_.now_ms()); !r)
    return r.error();
  MappingFiles only;
  only.file = d->files.file;
  for (const auto& [f, t] : d->files.cases)
    if (f.rfind(prefix, 0) == 0) only.cases[f] = t;
  std::string cases = cases_json(only);
  return Answer{200, cases.substr(1, cases.size() - 2), d->mapping};
}

Result<Answer> Workbench::validate(const std::string& id) {
  auto d = draft(id);
  if (!d) return d.error();
  auto report = compile(*d, false);
  if (!report) return report.error();
  return Answer{200,
                std::string("{\"ok\":") + (report->ok() ? "true" : "false") +
                    ",\"diagnostics\":" + diagnostics_json(report->diagnostics, d->files) + "}",
                d->mapping};
}

Result<Answer> Workbench::dry_run(const std::string& id, const std::string& payload) {
  auto d = draft(id);
  if (!d) return d.error();
  if (auto m = a_mapping(*d, "a dry-run"); !m) return m.error();
  auto report = compile(*d, false);
  if (!report) return report.error();
  if (!report->ok())
    return Answer{
        200,
        "{\"ok\":false,\"diagnostics\":" + diagnostics_json(report->diagnostics, d->files) + "}",
        d->mapping};
  const auto m = report->snapshot->find(d->mapping);
  auto refused = [&d](const Error& e) {
    return Answer{200, "{\"ok\":false,\"error\":" + error_json(e) + "}", d->mapping};
  };
  if (m->direction == mapping::Direction::reverse) {
    auto r = report->snapshot->reverse(d->mapping, payload);
    if (!r) return refused(r.error());
    rapidjson::Document out;
    out.Parse(r->body.data(), r->body.size());
    return Answer{
        200,
        "{\"ok\":true,\"output\":" + (out.HasParseError() ? json_string(r->body) : r->body) + "}",
        d->mapping};
  }
  auto r = report->snapshot->map(d->mapping, payload, mapping::Context{"dry-run", ""});
  if (!r) return refused(r.error());
  return Answer{200,
                "{\"ok\":true,\"output\":" + r->json + ",\"problems\":" + problems_json(*r) + "}",
                d->mapping};
}

Result<Answer> Workbench::run_cases(const std::string& id) {
  auto d = draft(id);
  if (!d) return d.error();
  auto compiled = compile(*d, false);
  if (!compiled) return compiled.error();
  if (d->files.is_table()) return Answer{200, set_cases_json(*compiled, d->files), d->mapping};
  if (!compiled->ok())
    return Answer{200,
                  "{\"passed\":0,\"failed\":0,\"cases\":[],\"diagnostics\":" +
                      diagnostics_json(compiled->diagnostics, d->files) + "}",
                  d->mapping};
  auto tested = compile(*d, true);
  if (!tested) return tested.error();
  const auto m = compiled->snapshot->find(d->mapping);
  const std::string stem = d->files.stem() + ".";
  int passed = 0, failed = 0;
  std::string cases;
  for (const auto& c : tested->cases) {
    std::string name = c.name.substr(stem.size());
    name = name.substr(0, name.rfind('.'));
    auto input = d->files.cases.find(c.name);
    auto expected = d->files.cases.find(stem + name + ".expected.json");
    if (expected == d->files.cases.end())
      expected = d->files.cases.find(stem + name + ".expected.xml");
    std::string want = expected == d->files.cases.end() ? "null" : expected->second;
    rapidjson::Document wd;
    wd.Parse(want.data(), want.size());
    if (wd.HasParseError()) want = json_string(want);
    (c.passed ? passed : failed)++;
    cases += (cases.empty() ? "" : ",") + std::string("{\"name\":") + json_string(name) +
             ",\"passed\":" + (c.passed ? "true" : "false") + ",\"expected\":" + want +
             ",\"actual\":" +
             (input == d->files.cases.end() ? "null"
                                            : actual_json(*compiled->snapshot, *m, input->second)) +
             ",\"message\":" + json_string(c.message) + "}";
  }
  return Answer{200,
                "{\"passed\":" + std::to_string(passed) + ",\"failed\":" + std::to_string(failed) +
                    ",\"cases\":[" + cases + "]}",
                d->mapping};
}

Result<Answer> Workbench::replay(const std::string& id) {
  auto d = draft(id);
  if (!d) return d.error();
  if (auto m = a_mapping(*d, "a replay"); !m) return m.error();
  auto report = compile(*d, false);
  if (!report) return report.error();
  if (!report->ok()) {
    Error e = make_error(Errc::unprocessable, "the draft does not compile: nothing to replay",
                         "draft_failing");
    e.details_json = "{\"diagnostics\":" + diagnostics_json(report->diagnostics, d->files) + "}";
    return e;
  }
  auto published = p_.catalog ? p_.catalog->current() : nullptr;
  if (!published) return make_error(Errc::internal, "no mapping set is served", "no_mappings");
  const auto answers = p_.sample ? p_.sample->answers(d->mapping) : std::vector<std::string>{};
  return Answer{200, replay_json(*published, *report->snapshot, d->mapping, answers), d->mapping};
}

}  // namespace hub::workbench
