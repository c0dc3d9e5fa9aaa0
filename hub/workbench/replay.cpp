#include "hub/workbench/replay.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>

#include "hub/workbench/json_io.hpp"
#include "hub/workbench/shapes.hpp"

namespace hub::workbench {
namespace {

using Leaves = std::map<std::string, std::string>;  // concrete pointer -> compact JSON value

void flatten(const rapidjson::Value& v, const std::string& at, Leaves& out) {
  if (v.IsObject() && v.MemberCount() > 0) {
    for (const auto& m : v.GetObject()) flatten(m.value, at + "/" + m.name.GetString(), out);
  } else if (v.IsArray() && !v.Empty()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      flatten(v[i], at + "/" + std::to_string(i), out);
  } else if (!v.IsNull()) {  // a null field is one the record does not give
    out[at.empty() ? "/" : at] = compact(v);
  }
}

Leaves leaves_of(const mapping::Snapshot& s, const std::string& id, const std::string& body,
                 bool& failed) {
  auto r = s.map(id, body, mapping::Context{"replay", ""});
  Leaves out;
  failed = !r;
  if (!r) {
    out["/$error"] = "\"" + std::string(r.error().wire_code()) + "\"";
    return out;
  }
  rapidjson::Document d;
  d.Parse(r->json.data(), r->json.size());
  if (!d.HasParseError()) flatten(d, "", out);
  return out;
}

// /children/2/birth_date -> /children/*/birth_date
std::string general(const std::string& pointer) {
  std::string out;
  std::size_t i = 0;
  while (i < pointer.size()) {
    std::size_t j = pointer.find('/', i + 1);
    if (j == std::string::npos) j = pointer.size();
    std::string seg = pointer.substr(i + 1, j - i - 1);
    const bool index = !seg.empty() && std::all_of(seg.begin(), seg.end(), ::isdigit);
    out += "/" + (index ? std::string("*") : seg);
    i = j;
  }
  return out;
}

// Whether the field the pointer names is marked personal in the canonical model.
bool personal(const mapping::Mapping* m, const std::string& pointer) {
  const mapping::Entity* e = m ? m->entity : nullptr;
  std::size_t i = 0;
  while (e && i < pointer.size()) {
    std::size_t j = pointer.find('/', i + 1);
    if (j == std::string::npos) j = pointer.size();
    const std::string seg = pointer.substr(i + 1, j - i - 1);
    i = j;
    if (seg == "*") continue;
    const auto* f = e->find(seg);
    if (!f) return false;
    if (f->personal) return true;
    e = f->entity;
  }
  return false;
}

// A personal value as a replay example shows it: a string keeps its first two and last two
// characters (code points, not bytes: a name may be Arabic) when it has more than 6, only its
// first when it has 3 to 6, none below; every other character is a '*'. So "Fatima Zahra" and
// "FATIMA ZAHRA" still show a change of case ("Fa********ra", "FA********RA") while a short name
// or a CNIE shows nothing that identifies. A value that is not a string (a number) is all '*'.
std::string masked(const std::string& value, bool is_personal) {
  if (!is_personal || value.empty()) return value;
  rapidjson::Document d;
  d.Parse(value.data(), value.size());
  if (d.HasParseError() || !d.IsString()) return json_string(std::string(value.size(), '*'));
  const std::string_view text(d.GetString(), d.GetStringLength());
  std::vector<std::string_view> chars;  // one a code point (the text is valid UTF-8: parsed JSON)
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = 1;
    while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
    chars.push_back(text.substr(i, n));
    i += n;
  }
  const std::size_t keep = chars.size() > 6 ? 2 : chars.size() > 2 ? 1 : 0;
  std::string out;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const bool shown = i < keep || (keep == 2 && i + 2 >= chars.size());
    out += shown ? std::string(chars[i]) : "*";
  }
  return json_string(out);
}

struct FieldCount {
  int changed = 0, only_published = 0, only_draft = 0;
  std::vector<std::pair<std::string, std::string>> examples;  // published, draft (JSON or "")
};

void compare(const Leaves& pub, const Leaves& dra, std::map<std::string, FieldCount>& fields,
             const mapping::Mapping* m) {
  std::map<std::string, int> seen;  // general path -> 1 changed, 2 only published, 3 only draft
  std::map<std::string, std::pair<std::string, std::string>> example;
  for (const auto& [p, v] : pub) {
    auto it = dra.find(p);
    const int kind = it == dra.end() ? 2 : (it->second != v ? 1 : 0);
    if (kind == 0) continue;
    const auto g = general(p);
    if (!seen.count(g)) example[g] = {v, it == dra.end() ? "" : it->second};
    seen.emplace(g, kind);
  }
  for (const auto& [p, v] : dra)
    if (!pub.count(p)) {
      const auto g = general(p);
      if (!seen.count(g)) example[g] = {"", v};
      seen.emplace(g, 3);
    }
  for (const auto& [g, kind] : seen) {
    auto& f = fields[g];
    (kind == 1 ? f.changed : kind == 2 ? f.only_published : f.only_draft)++;
    const bool mask = personal(m, g);
    if (f.examples.size() < 3)
      f.examples.emplace_back(masked(example[g].first, mask), masked(example[g].second, mask));
  }
}

}  // namespace

std::string replay_json(const mapping::Snapshot& published, const mapping::Snapshot& draft,
                        const std::string& mapping_id, const std::vector<std::string>& answers) {
  std::map<std::string, FieldCount> fields;
  int changed_answers = 0, failed_draft = 0;
  const auto m = draft.find(mapping_id);
  for (const auto& body : answers) {
    bool pub_failed = false, draft_failed = false;
    const Leaves pub = leaves_of(published, mapping_id, body, pub_failed);
    const Leaves dra = leaves_of(draft, mapping_id, body, draft_failed);
    if (!pub_failed && draft_failed) ++failed_draft;
    if (pub == dra) continue;
    ++changed_answers;
    compare(pub, dra, fields, m.get());
  }
  std::vector<std::pair<std::string, FieldCount>> sorted(fields.begin(), fields.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    const auto n = [](const FieldCount& f) { return f.changed + f.only_published + f.only_draft; };
    return n(a.second) > n(b.second);
  });
  std::string out = "{\"sample_size\":" + std::to_string(answers.size()) +
                    ",\"compared\":" + std::to_string(answers.size()) +
                    ",\"changed_answers\":" + std::to_string(changed_answers) +
                    ",\"failed_draft\":" + std::to_string(failed_draft) + ",\"fields\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& [path, f] = sorted[i];
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("path");
    w.String(path.c_str());
    w.Key("changed");
    w.Int(f.changed);
    w.Key("only_published");
    w.Int(f.only_published);
    w.Key("only_draft");
    w.Int(f.only_draft);
    w.Key("examples");
    w.StartArray();
    for (const auto& [p, d] : f.examples) {
      w.StartObject();
      w.Key("published");
      if (p.empty())
        w.Null();
      else
        w.RawValue(p.data(), p.size(), rapidjson::kStringType);
      w.Key("draft");
      if (d.empty())
        w.Null();
      else
        w.RawValue(d.data(), d.size(), rapidjson::kStringType);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    out += (i ? "," : "") + std::string(buf.GetString(), buf.GetSize());
  }
  return out + "]}";
}

}  // namespace hub::workbench
