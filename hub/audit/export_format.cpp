#include "hub/audit/export_format.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <set>
#include <span>

namespace hub::audit {
namespace {

using store::JournalEntry;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// The fields of a journal entry, in the store's column order. `chain`: given by the chain when
// the entry is written, not by the caller.
struct Field {
  const char* name;
  std::string JournalEntry::*text = nullptr;
  std::int64_t JournalEntry::*number = nullptr;
  bool chain = false;
};
const Field kFields[] = {
    {"seq", nullptr, &JournalEntry::seq, true},
    {"time_ms", nullptr, &JournalEntry::time_ms},
    {"principal", &JournalEntry::principal},
    {"purpose", &JournalEntry::purpose},
    {"correlation_id", &JournalEntry::correlation_id},
    {"partner", &JournalEntry::partner},
    {"operation", &JournalEntry::operation},
    {"identifier_hmac", &JournalEntry::identifier_hmac},
    {"identifier_masked", &JournalEntry::identifier_masked},
    {"outcome", &JournalEntry::outcome},
    {"latency_us", nullptr, &JournalEntry::latency_us},
    {"response_sha256", &JournalEntry::response_sha256},
    {"prev_hash", &JournalEntry::prev_hash, nullptr, true},
    {"entry_hash", &JournalEntry::entry_hash, nullptr, true},
};

// A pruned entry (retention, docs/audit.md) is exported with what it keeps: seq, time_ms, its
// chain hashes, when it was pruned and its leaf hash, which its erased contents can no longer
// give.
const Field kPrunedFields[] = {
    {"seq", nullptr, &JournalEntry::seq, true},
    {"time_ms", nullptr, &JournalEntry::time_ms},
    {"prev_hash", &JournalEntry::prev_hash, nullptr, true},
    {"entry_hash", &JournalEntry::entry_hash, nullptr, true},
    {"pruned_ms", nullptr, &JournalEntry::pruned_ms},
    {"leaf_hash", &JournalEntry::leaf_hash},
};

bool included(const Field& f, EntryFields which) {
  return which == EntryFields::all || !f.chain;
}

std::span<const Field> fields_of(bool pruned) {
  if (pruned) return kPrunedFields;
  return kFields;
}

Error malformed(const std::string& what, std::string why) {
  return make_error(Errc::invalid_input, what + ": " + why, "malformed_entry");
}

void put_string(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Parses one JSON object.
Result<rapidjson::Document> parse_object(std::string_view text, const std::string& what) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (d.HasParseError()) {
    return malformed(what, "not JSON (at byte " + std::to_string(d.GetErrorOffset()) + ")");
  }
  if (!d.IsObject()) return malformed(what, "not a JSON object");
  return d;
}

// The object's members are exactly `names`, each once.
Result<void> has_members(const rapidjson::Document& d, const std::string& what,
                         const std::set<std::string>& names) {
  std::set<std::string> seen;
  for (const auto& m : d.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!names.count(name)) return malformed(what, "unknown field '" + name + "'");
    if (!seen.insert(name).second) return malformed(what, "field '" + name + "' appears twice");
  }
  for (const auto& n : names) {
    if (!seen.count(n)) return malformed(what, "field '" + n + "' is missing");
  }
  return {};
}

// Parses one JSON object whose members are exactly `names`, each once.
Result<rapidjson::Document> parse_object(std::string_view text, const std::string& what,
                                         const std::set<std::string>& names) {
  auto d = parse_object(text, what);
  if (!d) return d;
  if (auto ok = has_members(*d, what, names); !ok) return ok.error();
  return d;
}

}  // namespace

std::string entry_to_json(const JournalEntry& e, EntryFields which) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  for (const auto& f : fields_of(e.pruned_ms > 0 && which == EntryFields::all)) {
    if (!included(f, which)) continue;
    w.Key(f.name);
    if (f.number) {
      w.Int64(e.*f.number);
    } else {
      put_string(w, e.*f.text);
    }
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

Result<JournalEntry> entry_from_json(std::string_view line, EntryFields which) {
  auto d = parse_object(line, "entry");
  if (!d) return d.error();
  // A pruned entry says so with its pruned_ms; only an exported entry can be one.
  const bool pruned = which == EntryFields::all && d->HasMember("pruned_ms");
  std::set<std::string> names;
  for (const auto& f : fields_of(pruned)) {
    if (included(f, which)) names.insert(f.name);
  }
  if (auto ok = has_members(*d, "entry", names); !ok) return ok.error();
  JournalEntry e;
  for (const auto& f : fields_of(pruned)) {
    if (!included(f, which)) continue;
    const auto& v = (*d)[f.name];
    if (f.number) {
      if (!v.IsInt64())
        return malformed("entry", std::string("'") + f.name + "' is not an integer");
      e.*f.number = v.GetInt64();
    } else {
      if (!v.IsString()) return malformed("entry", std::string("'") + f.name + "' is not a string");
      e.*f.text = std::string(v.GetString(), v.GetStringLength());
    }
  }
  return e;
}

std::string head_to_json(const store::JournalHead& head) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("seq");
  w.Int64(head.seq);
  w.Key("hash");
  put_string(w, head.hash);
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

Result<store::JournalHead> head_from_json(std::string_view text) {
  auto d = parse_object(text, "journal head", {"seq", "hash"});
  if (!d) return d.error();
  if (!(*d)["seq"].IsInt64()) return malformed("journal head", "'seq' is not an integer");
  if (!(*d)["hash"].IsString()) return malformed("journal head", "'hash' is not a string");
  return store::JournalHead{(*d)["seq"].GetInt64(),
                            std::string((*d)["hash"].GetString(), (*d)["hash"].GetStringLength())};
}

}  // namespace hub::audit
