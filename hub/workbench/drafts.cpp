#include "hub/workbench/drafts.hpp"

#include "hub/workbench/json_io.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace hub::workbench {
namespace {

std::string stream_of(const std::string& id) {
  return "mapping-draft/" + id;
}

Result<Draft> from_state(const store::RecordState& st) {
  rapidjson::Document d;
  d.Parse(st.state.data(), st.state.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("files") || !d["files"].IsObject())
    return make_error(Errc::internal, "a stored draft does not read back", "invalid_stored_draft");
  Draft out;
  out.id = string_member(d, "draft");
  out.mapping = string_member(d, "mapping");
  out.base_version = int_member(d, "base_version");
  out.state = string_member(d, "state");
  out.author = string_member(d, "author");
  out.reason = string_member(d, "reason");
  out.decided_by = string_member(d, "decided_by");
  out.created_ms = int_member(d, "created_ms");
  out.requested_ms = int_member(d, "requested_ms");
  out.version = int_member(d, "version");
  auto files = mapping_files_from_json(compact(d["files"]));
  if (!files) return files.error();
  out.files = std::move(*files);
  out.stream_version = st.version;
  return out;
}

}  // namespace

std::string draft_json(const Draft& d) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put(w, "draft", d.id);
  put(w, "mapping", d.mapping);
  put(w, "base_version", d.base_version);
  put(w, "state", d.state);
  put(w, "author", d.author);
  put(w, "reason", d.reason);
  put(w, "decided_by", d.decided_by);
  put(w, "created_ms", d.created_ms);
  put(w, "requested_ms", d.requested_ms);
  put(w, "version", d.version);
  w.Key("files");
  const std::string files = to_json(d.files);
  w.RawValue(files.data(), files.size(), rapidjson::kObjectType);
  w.EndObject();
  return text_of(buf);
}

Result<std::optional<Draft>> read_draft(store::Store& store, const std::string& id) {
  auto st = store.read_record(stream_of(id));
  if (!st) return st.error();
  if (!*st) return std::optional<Draft>{};
  auto d = from_state(**st);
  if (!d) return d.error();
  return std::optional<Draft>(std::move(*d));
}

Result<std::vector<Draft>> list_drafts(store::Store& store) {
  std::vector<Draft> out;
  std::string after;
  for (;;) {
    auto page = store.list_records("mapping_draft", after, 100);
    if (!page) return page.error();
    for (const auto& st : *page) {
      auto d = from_state(st);
      if (!d) return d.error();
      out.push_back(std::move(*d));
    }
    if (page->size() < 100) break;
    after = page->back().stream;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Draft& a, const Draft& b) { return a.created_ms > b.created_ms; });
  return out;
}

store::StreamWrite draft_write(const Draft& d, const std::string& action,
                               const std::string& principal, const std::string& reason,
                               std::int64_t now_ms) {
  store::StreamWrite sw;
  sw.stream = stream_of(d.id);
  sw.kind = "mapping_draft";
  sw.label = d.state;
  sw.expected_version = d.stream_version;
  store::RecordEvent ev;
  ev.stream = sw.stream;
  ev.version = d.stream_version + 1;
  ev.type = action;
  ev.time_ms = now_ms;
  ev.principal = principal;
  ev.reason = reason;
  ev.source = "client";
  ev.data = "{\"state\":\"" + d.state + "\"}";
  sw.state = draft_json(d);
  sw.events.push_back(std::move(ev));
  return sw;
}

Result<void> save_draft(store::Store& store, Draft& d, const std::string& action,
                        const std::string& principal, const std::string& reason,
                        std::int64_t now_ms) {
  store::RecordCommit commit;
  commit.writes.push_back(draft_write(d, action, principal, reason, now_ms));
  auto r = store.commit_records(commit);
  if (r) ++d.stream_version;
  return r;
}

}  // namespace hub::workbench
