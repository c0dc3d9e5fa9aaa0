#include "hub/workbench/versions.hpp"

#include "hub/workbench/json_io.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <limits>

namespace hub::workbench {
namespace {

std::string stream_of(const std::string& mapping) {
  return "mapping/" + mapping;
}

std::string version_json(const Version& v) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put(w, "mapping", v.meta.mapping);
  put(w, "version", v.meta.version);
  put(w, "parent", v.meta.parent);
  put(w, "kind", v.meta.kind);
  put(w, "author", v.meta.author);
  put(w, "approver", v.meta.approver);
  put(w, "reason", v.meta.reason);
  put(w, "draft", v.meta.draft);
  put(w, "time_ms", v.meta.time_ms);
  w.Key("content");
  const std::string content = to_json(v.files);
  w.RawValue(content.data(), content.size(), rapidjson::kObjectType);
  w.EndObject();
  return text_of(buf);
}

Result<Version> version_from_json(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("content") || !d["content"].IsObject())
    return make_error(Errc::internal, "a stored mapping version does not read back",
                      "invalid_stored_mapping");
  Version v;
  v.meta = {string_member(d, "mapping"), int_member(d, "version"),   int_member(d, "parent"),
            string_member(d, "kind"),    string_member(d, "author"), string_member(d, "approver"),
            string_member(d, "reason"),  string_member(d, "draft"),  int_member(d, "time_ms")};
  auto files = mapping_files_from_json(compact(d["content"]));
  if (!files) return files.error();
  v.files = std::move(*files);
  return v;
}

store::StreamWrite version_write(const Version& v, std::int64_t expected) {
  store::StreamWrite sw;
  sw.stream = stream_of(v.meta.mapping);
  sw.kind = "mapping";
  sw.expected_version = expected;
  store::RecordEvent ev;
  ev.stream = sw.stream;
  ev.version = v.meta.version;
  ev.type = "mapping." + v.meta.kind;
  ev.time_ms = v.meta.time_ms;
  ev.principal = v.meta.kind == "seed" ? v.meta.author : v.meta.approver;
  ev.reason = v.meta.reason;
  ev.source = v.meta.kind == "seed" ? "configuration" : "client";
  ev.data = version_json(v);
  sw.state = ev.data;
  sw.events.push_back(std::move(ev));
  return sw;
}

// The set stream's next event: {"mapping": id, "version": n}; its state is not read.
store::StreamWrite set_write(std::int64_t expected, const std::vector<const Version*>& changed) {
  store::StreamWrite sw;
  sw.stream = kSetStream;
  sw.kind = kSetStream;
  sw.expected_version = expected;
  store::RecordEvent ev;
  ev.stream = kSetStream;
  ev.version = expected + 1;
  ev.type = "mapping_set.changed";
  ev.time_ms = changed.empty() ? 0 : changed.front()->meta.time_ms;
  ev.principal = changed.empty() ? "" : changed.front()->meta.approver;
  ev.source = "client";
  std::string data = "{\"mappings\":{";
  for (std::size_t i = 0; i < changed.size(); ++i)
    data += (i ? ",\"" : "\"") + changed[i]->meta.mapping +
            "\":" + std::to_string(changed[i]->meta.version);
  ev.data = data + "}}";
  sw.state = ev.data;
  sw.events.push_back(std::move(ev));
  return sw;
}

bool is_conflict(const Error& e) {
  return e.code == Errc::conflict;
}

}  // namespace

namespace {

// Stores `items` as their version 1 (kind seed) with the set's next version, expected at `set`.
Result<bool> seed(store::Store& store, const std::vector<const MappingFiles*>& items,
                  std::int64_t set, const std::string& principal, std::int64_t now_ms) {
  if (items.empty()) return false;
  std::vector<Version> versions;
  for (const auto* m : items)
    versions.push_back(
        {{m->id, 1, 0, "seed", principal, "", "seeded from the mappings folder", "", now_ms}, *m});
  store::RecordCommit commit;
  std::vector<const Version*> all;
  for (const auto& v : versions) {
    commit.writes.push_back(version_write(v, 0));
    all.push_back(&v);
  }
  commit.writes.push_back(set_write(set, all));
  auto r = store.commit_records(commit);
  if (!r && is_conflict(r.error())) return false;  // another node seeded it first
  if (!r) return r.error();
  return true;
}

}  // namespace

Result<bool> seed_if_empty(store::Store& store, const std::vector<MappingFiles>& items,
                           const std::string& principal, std::int64_t now_ms) {
  auto current = set_version(store);
  if (!current) return current.error();
  std::vector<const MappingFiles*> todo;
  if (*current == 0) {
    for (const auto& m : items) todo.push_back(&m);
    return seed(store, todo, 0, principal, now_ms);
  }
  // A set stored before code tables were versioned: its tables are seeded once, alone.
  auto latest = latest_versions(store);
  if (!latest) return latest.error();
  if (std::any_of(latest->begin(), latest->end(),
                  [](const Version& v) { return v.files.is_table(); }))
    return false;
  for (const auto& m : items)
    if (m.is_table()) todo.push_back(&m);
  return seed(store, todo, *current, principal, now_ms);
}

Result<std::int64_t> set_version(store::Store& store) {
  auto st = store.read_record(kSetStream);
  if (!st) return st.error();
  return *st ? (*st)->version : 0;
}

Result<std::vector<Version>> latest_versions(store::Store& store) {
  std::vector<Version> out;
  std::string after;
  for (;;) {
    auto page = store.list_records("mapping", after, 100);
    if (!page) return page.error();
    for (const auto& st : *page) {
      auto v = version_from_json(st.state);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
    if (page->size() < 100) break;
    after = page->back().stream;
  }
  return out;
}

Result<std::vector<Version>> versions_of(store::Store& store, const std::string& mapping) {
  auto events = store.record_events(stream_of(mapping), std::numeric_limits<std::int64_t>::max());
  if (!events) return events.error();
  if (events->empty())
    return make_error(Errc::not_found, "no mapping '" + mapping + "' in the store",
                      "unknown_mapping");
  std::vector<Version> out;
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    auto v = version_from_json(it->data);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<Version> version_of(store::Store& store, const std::string& mapping, std::int64_t version) {
  auto all = versions_of(store, mapping);
  if (!all) return all.error();
  for (auto& v : *all)
    if (v.meta.version == version) return std::move(v);
  return make_error(Errc::not_found,
                    "mapping '" + mapping + "' has no version " + std::to_string(version),
                    "unknown_version");
}

Result<std::int64_t> add_version(store::Store& store, Version& v, std::int64_t expected_latest,
                                 std::optional<store::StreamWrite> also) {
  auto stale = [&] {
    return make_error(Errc::conflict,
                      "mapping '" + v.meta.mapping + "' has a version newer than " +
                          std::to_string(expected_latest) +
                          ": make a new draft from the latest version",
                      "stale_base");
  };
  // The set stream may move under us (another mapping published at the same moment): read it
  // again and retry; the mapping's own stream is checked by the commit itself each time.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto latest = store.read_record(stream_of(v.meta.mapping));
    if (!latest) return latest.error();
    if ((*latest ? (*latest)->version : 0) != expected_latest) return stale();
    auto set = set_version(store);
    if (!set) return set.error();
    v.meta.version = expected_latest + 1;
    store::RecordCommit commit;
    commit.writes.push_back(version_write(v, expected_latest));
    commit.writes.push_back(set_write(*set, {&v}));
    if (also) commit.writes.push_back(*also);
    auto r = store.commit_records(commit);
    if (r) return v.meta.version;
    if (!is_conflict(r.error())) return r.error();
  }
  return stale();
}

}  // namespace hub::workbench
