#include "hub/audit/proof_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hub/audit/export_format.hpp"

namespace hub::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void put_path(Writer& w, const char* key, const std::vector<Hash>& path) {
  w.Key(key);
  w.StartArray();
  for (const auto& h : path) put(w, to_hex(h));
  w.EndArray();
}

void put_checkpoint(Writer& w, const std::optional<std::string>& note) {
  w.Key("checkpoint");
  if (note) {
    put(w, *note);
  } else {
    w.Null();
  }
}

Error bad(const std::string& why) {
  return make_error(Errc::malformed_response, "journal proof: " + why, "malformed_proof");
}

Result<std::uint64_t> number(const rapidjson::Value& d, const char* key) {
  if (!d.HasMember(key) || !d[key].IsUint64()) {
    return bad(std::string("'") + key + "' is missing or not a non-negative integer");
  }
  return d[key].GetUint64();
}

Result<Hash> hash(const rapidjson::Value& v, const std::string& what) {
  if (!v.IsString()) return bad(what + " is not a string");
  auto h = hash_from_hex(std::string_view(v.GetString(), v.GetStringLength()));
  if (!h) return bad(what + " is not 64 hex digits");
  return *h;
}

Result<std::vector<Hash>> path(const rapidjson::Value& d, const char* key) {
  if (!d.HasMember(key) || !d[key].IsArray())
    return bad(std::string("'") + key + "' is not a list");
  std::vector<Hash> out;
  for (const auto& v : d[key].GetArray()) {
    auto h = hash(v, std::string("an element of '") + key + "'");
    if (!h) return h.error();
    out.push_back(*h);
  }
  return out;
}

Result<std::optional<std::string>> checkpoint(const rapidjson::Value& d) {
  if (!d.HasMember("checkpoint")) return bad("'checkpoint' is missing");
  const auto& v = d["checkpoint"];
  if (v.IsNull()) return std::optional<std::string>();
  if (!v.IsString()) return bad("'checkpoint' is neither a string nor null");
  return std::optional<std::string>(std::string(v.GetString(), v.GetStringLength()));
}

Result<rapidjson::Document> parse(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
  return d;
}

}  // namespace

std::string inclusion_to_json(const InclusionAnswer& a, const store::JournalEntry* entry) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("leaf_index");
  w.Uint64(a.leaf_index);
  w.Key("tree_size");
  w.Uint64(a.tree_size);
  w.Key("leaf_hash");
  put(w, to_hex(a.leaf_hash));
  put_path(w, "inclusion_path", a.path);
  put_checkpoint(w, a.checkpoint);
  if (entry) {
    w.Key("entry");
    const std::string json = entry_to_json(*entry);
    w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

std::string consistency_to_json(const ConsistencyAnswer& a) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("from");
  w.Uint64(a.from);
  w.Key("to");
  w.Uint64(a.to);
  put_path(w, "consistency_path", a.path);
  put_checkpoint(w, a.checkpoint);
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

Result<ReadInclusion> inclusion_from_json(std::string_view text) {
  auto d = parse(text);
  if (!d) return d.error();
  ReadInclusion out;
  auto index = number(*d, "leaf_index");
  auto size = number(*d, "tree_size");
  if (!index) return index.error();
  if (!size) return size.error();
  if (!d->HasMember("leaf_hash")) return bad("'leaf_hash' is missing");
  auto leaf = hash((*d)["leaf_hash"], "'leaf_hash'");
  if (!leaf) return leaf.error();
  auto p = path(*d, "inclusion_path");
  if (!p) return p.error();
  auto note = checkpoint(*d);
  if (!note) return note.error();
  out.answer = InclusionAnswer{*index, *size, *leaf, std::move(*p), std::move(*note)};
  if (d->HasMember("entry")) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    (*d)["entry"].Accept(w);
    auto e = entry_from_json(std::string_view(sb.GetString(), sb.GetSize()));
    if (!e) return bad("'entry': " + e.error().message);
    out.entry = std::move(*e);
  }
  return out;
}

Result<ConsistencyAnswer> consistency_from_json(std::string_view text) {
  auto d = parse(text);
  if (!d) return d.error();
  auto from = number(*d, "from");
  auto to = number(*d, "to");
  if (!from) return from.error();
  if (!to) return to.error();
  auto p = path(*d, "consistency_path");
  if (!p) return p.error();
  auto note = checkpoint(*d);
  if (!note) return note.error();
  return ConsistencyAnswer{*from, *to, std::move(*p), std::move(*note)};
}

}  // namespace hub::audit
