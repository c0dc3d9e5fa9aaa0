#include "hub/workbench/drafts.hpp"

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
  auto str = [&d](const char* k) {
    return d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString()) : std::string();
  };
  auto num = [&d](const char* k) {
    return d.HasMember(k) && d[k].IsInt64() ? d[k].GetInt64() : std::int64_t{0};
  };
  Draft out;
  out.id = str("draft");
  out.mapping = str("mapping");
  out.base_version = num("base_version");
  out.state = str("state");
  out.author = str("author");
  out.reason = str("reason");
  out.decided_by = str("decided_by");
  out.created_ms = num("created_ms");
  out.requested_ms = num("requested_ms");
  out.version = num("version");
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d["files"].Accept(w);
  auto files = mapping_files_from_json(std::string_view(buf.GetString(), buf.GetSize()));
  if (!files) return files.error();
  out.files = std::move(*files);
  out.stream_version = st.version;
  return out;
}

}  // namespace

std::string draft_json(const Draft& d) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const char* key, const std::string& s) {
    w.Key(key);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  str("draft", d.id);
  str("mapping", d.mapping);
  w.Key("base_version");
  w.Int64(d.base_version);
  str("state", d.state);
  str("author", d.author);
  str("reason", d.reason);
  str("decided_by", d.decided_by);
  w.Key("created_ms");
  w.Int64(d.created_ms);
  w.Key("requested_ms");
  w.Int64(d.requested_ms);
  w.Key("version");
  w.Int64(d.version);
  w.Key("files");
  const std::string files = to_json(d.files);
  w.RawValue(files.data(), files.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
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
