#include "hub/exchange/answer_json.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "hub/text/compare.hpp"

namespace hub::exchange {

std::unique_ptr<rapidjson::Document> parse_record(const MappedAnswer& a) {
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse(a.record_json.c_str(), a.record_json.size());
  if (doc->HasParseError()) return nullptr;
  return doc;
}

namespace {
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// A JSON string literal, quotes included.
std::string json_literal(std::string_view s) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  put_string(w, s);
  return {sb.GetString(), sb.GetSize()};
}

// The contents of a JSON string literal: escaped, without its quotes.
std::string escaped(std::string_view s) {
  std::string q = json_literal(s);
  return q.substr(1, q.size() - 2);
}

// The contents of a JSON string literal, unescaped: as it is unless it holds an escape.
std::string unescaped(std::string_view escaped_text) {
  if (escaped_text.find('\\') == std::string_view::npos) return std::string(escaped_text);
  const std::string literal = "\"" + std::string(escaped_text) + "\"";
  rapidjson::Document d;
  d.Parse(literal.data(), literal.size());
  if (d.HasParseError() || !d.IsString()) return std::string(escaped_text);
  return {d.GetString(), d.GetStringLength()};
}

void append_quoted(std::string& out, std::string_view escaped_text) {
  out += '"';
  out += escaped_text;
  out += '"';
}

// `,"key":` into an object being written (no comma before its first member).
void append_key(std::string& out, bool& first, std::string_view key) {
  if (!first) out += ',';
  first = false;
  out += json_literal(key);
  out += ':';
}

void put_error(Writer& w, const Error& e) {
  w.StartObject();
  w.Key("code");
  put_string(w, code_of(e.code));
  if (!e.detail.empty()) {
    w.Key("detail");
    put_string(w, e.detail);
  }
  w.Key("message");
  put_string(w, e.message);
  w.EndObject();
}

std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return {v.GetString(), v.GetStringLength()};
  if (v.IsNull()) return {};
  rapidjson::StringBuffer sb;
  Writer w(sb);
  v.Accept(w);
  return {sb.GetString(), sb.GetSize()};
}

std::optional<std::string> text_at(const rapidjson::Value& record, const std::string& pointer) {
  const auto* v = rapidjson::Pointer(pointer.c_str()).Get(record);
  if (v == nullptr || v->IsNull()) return std::nullopt;
  return scalar_text(*v);
}

// Two values agree when they say the same text (hub/text/compare.hpp: invisible marks, kinds of
// spaces, case, Unicode forms set aside), or when one is a year-only date ("1985") and the other a
// full date of that year.
bool agree(const std::string& a, const std::string& b) {
  const auto na = text::comparison_key(a), nb = text::comparison_key(b);
  if (na == nb) return true;
  auto year_only = [](const std::string& s) {
    return s.size() == 4 && std::all_of(s.begin(), s.end(), ::isdigit);
  };
  if (year_only(na) && nb.size() == 10 && nb.compare(0, 4, na) == 0) return true;
  if (year_only(nb) && na.size() == 10 && na.compare(0, 4, nb) == 0) return true;
  return false;
}

constexpr std::string_view set_by_mapping = "(set by the mapping)";

// A value the mapping itself set (a constant, or a default for an absent element) has no source
// path in the payload; its provenance says so rather than being left out.
void add_mapping_set_values(const rapidjson::Value& v,
                            std::vector<std::pair<std::string, std::string>>& sources,
                            std::set<std::string>& known, const std::string& pointer) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      add_mapping_set_values(it->value, sources, known, pointer + "/" + it->name.GetString());
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      add_mapping_set_values(v[i], sources, known, pointer + "/" + std::to_string(i));
    }
  } else if (!v.IsNull() && !known.contains(pointer)) {
    sources.emplace_back(pointer, set_by_mapping);
  }
}

// "{company:/ice}" -> step "company", pointer "/ice"; nullopt for anything else.
std::optional<std::pair<std::string, std::string>> step_reference(const std::string& v) {
  if (v.size() < 3 || v.front() != '{' || v.back() != '}') return std::nullopt;
  const auto colon = v.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(v.substr(1, colon - 1), v.substr(colon + 1, v.size() - colon - 2));
}

const config::RecipeStep* step_named(const config::Recipe& r, std::string_view as) {
  for (const auto& st : r.steps) {
    if (st.as == as) return &st;
  }
  return nullptr;
}

// "provenance":{"/person/cnie":{"partner":...,"source":"c:NumeroCNIE"},...}
void append_full_provenance(std::string& out, const std::vector<StepOutcome>& steps) {
  bool first = true;
  for (const auto& o : steps) {
    if (!o.answer) continue;
    const std::string step = escaped(o.step);
    for (const auto& [pointer, source] : o.answer->sources) {
      if (!first) out += ',';
      first = false;
      out += "\"/";
      out += step;
      out += pointer;
      out += "\":{";
      out += o.answer->provenance_head;
      out += ",\"source\":";
      append_quoted(out, source);
      out += '}';
    }
  }
}

// "provenance":{"person":{"partner":...,"fields":{"/cnie":"c:NumeroCNIE",...}},...}
void append_compact_provenance(std::string& out, const std::vector<StepOutcome>& steps) {
  bool first = true;
  for (const auto& o : steps) {
    if (!o.answer) continue;
    append_key(out, first, o.step);
    out += '{';
    out += o.answer->provenance_head;
    out += ",\"fields\":{";
    bool first_field = true;
    for (const auto& [pointer, source] : o.answer->sources) {
      if (!first_field) out += ',';
      first_field = false;
      append_quoted(out, pointer);
      out += ':';
      append_quoted(out, source);
    }
    out += "}}";
  }
}

void write_conflicts(Writer& w, const config::Recipe& recipe,
                     const std::vector<StepOutcome>& steps) {
  w.StartArray();
  for (const auto& rule : recipe.conflicts) {
    struct Seen {
      std::string path, partner, value;
    };
    std::vector<Seen> seen;
    for (const auto& ref : rule.values) {
      const auto colon = ref.find(':');
      const std::string step = ref.substr(0, colon);
      const std::string pointer = ref.substr(colon + 1);
      for (const auto& s : steps) {
        if (s.step != step || !s.answer) continue;
        auto v = value_at(*s.answer, pointer);
        if (!v) continue;
        seen.push_back({"/" + step + pointer, s.partner, std::move(*v)});
      }
    }
    bool disagree = false;
    for (std::size_t i = 1; i < seen.size(); ++i) {
      disagree = disagree || !agree(seen[0].value, seen[i].value);
    }
    if (!disagree) continue;
    w.StartObject();
    w.Key("field");
    put_string(w, rule.field);
    w.Key("values");
    w.StartArray();
    for (const auto& s : seen) {
      w.StartObject();
      w.Key("path");
      put_string(w, s.path);
      w.Key("partner");
      put_string(w, s.partner);
      w.Key("value");
      put_string(w, s.value);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void write_partners(Writer& w, const std::vector<StepOutcome>& steps) {
  w.StartObject();
  for (const auto& o : steps) {
    w.Key(o.partner.c_str(), static_cast<rapidjson::SizeType>(o.partner.size()));
    w.StartObject();
    if (o.step != o.partner) {
      w.Key("step");
      put_string(w, o.step);
    }
    w.Key("status");
    put_string(w, o.status);
    if (o.answer && (o.status == "cached" || o.status == "stale")) {
      w.Key("as_of");
      put_string(w, o.answer->fetched_at);
    }
    if (o.error && (!o.answer || o.status == "stale")) {
      w.Key("error");
      put_error(w, *o.error);
    }
    if (o.retry_after.count() > 0 && !o.answer) {
      w.Key("retry_after_s");
      w.Int64(std::chrono::ceil<std::chrono::seconds>(o.retry_after).count());
    }
    w.Key("latency_ms");
    w.Double(std::round(o.latency_ms * 1000) / 1000);
    w.Key("attempts");
    w.Int(o.attempts);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::optional<ProvenanceForm> provenance_form(std::string_view text) {
  if (text == "full") return ProvenanceForm::full;
  if (text == "compact") return ProvenanceForm::compact;
  if (text == "none") return ProvenanceForm::none;
  return std::nullopt;
}

std::vector<std::string> pointers_read(const config::ExchangeSettings& exchange,
                                       std::string_view mapping_id) {
  std::set<std::string> out;
  for (const auto& entry : exchange.recipes) {
    // Not a structured binding: clang 14 (clang-tidy) refuses one captured by a lambda.
    const config::Recipe& recipe = entry.second;
    auto add = [&](std::string_view step, const std::string& pointer) {
      const auto* st = step_named(recipe, step);
      if (st != nullptr && st->mapping == mapping_id) out.insert(pointer);
    };
    for (const auto& rule : recipe.conflicts) {
      for (const auto& ref : rule.values) {
        const auto colon = ref.find(':');
        if (colon != std::string::npos) add(ref.substr(0, colon), ref.substr(colon + 1));
      }
    }
    for (const auto& st : recipe.steps) {
      for (const auto& [key, value] : st.params) {
        if (auto r = step_reference(value)) add(r->first, r->second);
      }
    }
  }
  return {out.begin(), out.end()};
}

void seal_answer(MappedAnswer& a, const rapidjson::Value& record,
                 const std::vector<std::string>& pointers) {
  std::set<std::string> known;
  for (const auto& [p, s] : a.sources) known.insert(p);
  add_mapping_set_values(record, a.sources, known, "");
  for (auto& [p, s] : a.sources) {
    p = escaped(p);
    s = escaped(s);
  }
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("partner");
  put_string(w, a.partner);
  w.Key("mapping");
  put_string(w, a.mapping_id);
  w.Key("version");
  w.Int(a.mapping_version);
  w.Key("fetched_at");
  put_string(w, a.fetched_at);
  w.Key("correlation_id");
  put_string(w, a.correlation_id);
  w.EndObject();
  // The members without the object's braces: each field's provenance adds its own source.
  a.provenance_head.assign(sb.GetString() + 1, sb.GetSize() - 2);
  a.picked.clear();
  for (const auto& p : pointers) a.picked.emplace_back(p, text_at(record, p));
}

std::vector<std::pair<std::string, std::string>> raw_sources(const MappedAnswer& a) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(a.sources.size());
  for (const auto& [pointer, source] : a.sources) {
    if (source == set_by_mapping) continue;
    out.emplace_back(unescaped(pointer), unescaped(source));
  }
  return out;
}

std::optional<std::string> value_at(const MappedAnswer& a, const std::string& pointer) {
  for (const auto& [p, v] : a.picked) {
    if (p == pointer) return v;
  }
  auto doc = parse_record(a);
  return doc ? text_at(*doc, pointer) : std::nullopt;
}

std::string answer_body(const config::Recipe& recipe, const std::vector<StepOutcome>& steps,
                        std::string_view correlation_id, ProvenanceForm form) {
  std::size_t size = 256;
  for (const auto& o : steps) {
    if (!o.answer) continue;
    size += o.answer->record_json.size() + 32;
    const std::size_t per_field = form == ProvenanceForm::full
                                      ? o.answer->provenance_head.size() + o.step.size() + 24
                                  : form == ProvenanceForm::compact ? 8
                                                                    : 0;
    for (const auto& [p, s] : o.answer->sources) size += per_field + p.size() + s.size();
  }
  std::string out;
  out.reserve(size);
  out += "{\"record\":{";
  bool first = true;
  for (const auto& o : steps) {
    if (!o.answer) continue;
    append_key(out, first, o.step);
    out += o.answer->record_json;
  }
  out += '}';
  if (form != ProvenanceForm::none) {
    out += ",\"provenance\":{";
    if (form == ProvenanceForm::full) {
      append_full_provenance(out, steps);
    } else {
      append_compact_provenance(out, steps);
    }
    out += '}';
  }
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("conflicts");
  write_conflicts(w, recipe, steps);
  w.Key("partners");
  write_partners(w, steps);
  w.Key("correlation_id");
  put_string(w, correlation_id);
  w.EndObject();
  out += ',';
  out.append(sb.GetString() + 1, sb.GetSize() - 1);  // its members and the closing brace
  return out;
}

}  // namespace hub::exchange
