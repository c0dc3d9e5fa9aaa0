#include "hub/mapping/cases.hpp"

#include "hub/mapping/yaml_source.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace hub::mapping {

namespace {

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// The first place where two JSON values differ, as "pointer: expected X, got Y"; empty if equal.
std::string first_difference(const rapidjson::Value& want, const rapidjson::Value& got,
                             const std::string& at) {
  if (want.IsObject() && got.IsObject()) {
    for (const auto& m : want.GetObject()) {
      std::string p = at + "/" + m.name.GetString();
      auto it = got.FindMember(m.name);
      if (it == got.MemberEnd()) return p + ": expected " + compact(m.value) + ", got nothing";
      if (auto d = first_difference(m.value, it->value, p); !d.empty()) return d;
    }
    for (const auto& m : got.GetObject())
      if (!want.HasMember(m.name))
        return at + "/" + m.name.GetString() + ": not expected, got " + compact(m.value);
    return {};
  }
  if (want.IsArray() && got.IsArray()) {
    if (want.Size() != got.Size())
      return (at.empty() ? "/" : at) + ": expected " + std::to_string(want.Size()) +
             " items, got " + std::to_string(got.Size());
    for (rapidjson::SizeType i = 0; i < want.Size(); ++i)
      if (auto d = first_difference(want[i], got[i], at + "/" + std::to_string(i)); !d.empty())
        return d;
    return {};
  }
  if (want == got) return {};
  return (at.empty() ? "/" : at) + ": expected " + compact(want) + ", got " + compact(got);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string check_error(const rapidjson::Document& want, const Error& e) {
  std::string code = want["error"].IsString() ? want["error"].GetString() : "";
  if (code != code_of(e.code))
    return "expected error " + code + ", got " + std::string(code_of(e.code)) +
           (e.detail.empty() ? "" : "/" + e.detail) + ": " + e.message;
  if (want.HasMember("detail") && want["detail"].IsString() &&
      e.detail != want["detail"].GetString())
    return "expected detail " + std::string(want["detail"].GetString()) + ", got '" + e.detail +
           "': " + e.message;
  return {};
}

std::string check_forward(const Snapshot& s, const Mapping& m, const std::string& input,
                          const rapidjson::Document& want) {
  auto r = s.map(m.id, input, Context{"golden-case", ""});
  if (want.HasMember("error")) {
    if (r)
      return "expected error " + std::string(want["error"].GetString()) +
             ", got a record: " + r->json;
    return check_error(want, r.error());
  }
  if (!r)
    return "expected a record, got " + std::string(r.error().wire_code()) + ": " +
           r.error().message;
  if (!want.HasMember("record"))
    return "the expected file holds {\"record\": ...} or {\"error\": ...}";
  rapidjson::Document got;
  got.Parse(r->json.data(), r->json.size());
  if (got.HasParseError()) return "the engine wrote invalid JSON: " + r->json;
  if (auto d = first_difference(want["record"], got, ""); !d.empty()) return "record " + d;

  std::vector<std::pair<std::string, std::string>> expected_problems, got_problems;
  if (want.HasMember("problems") && want["problems"].IsArray())
    for (const auto& p : want["problems"].GetArray())
      if (p.IsObject() && p.HasMember("field") && p.HasMember("code"))
        expected_problems.emplace_back(p["field"].GetString(), p["code"].GetString());
  for (const auto& p : r->problems) got_problems.emplace_back(p.field, p.code);
  std::sort(expected_problems.begin(), expected_problems.end());
  std::sort(got_problems.begin(), got_problems.end());
  if (expected_problems != got_problems) {
    std::string g;
    for (const auto& p : r->problems) g += " " + p.field + ":" + p.code + " (" + p.message + ")";
    return "problems differ; got" + (g.empty() ? std::string(" none") : g);
  }
  if (want.HasMember("provenance") && want["provenance"].IsObject()) {
    for (const auto& e : want["provenance"].GetObject()) {
      bool found = false;
      for (const auto& src : r->sources()) {
        std::string path(src.path);
        if (src.index >= 0) path += "[" + std::to_string(src.index) + "]";
        if (r->pointer(src) == e.name.GetString() && e.value.IsString() &&
            path == e.value.GetString())
          found = true;
      }
      if (!found)
        return std::string("no provenance ") + e.name.GetString() + " <- " + compact(e.value);
    }
  }
  return {};
}

std::string check_reverse(const Snapshot& s, const Mapping& m, const std::string& input,
                          const std::filesystem::path& expected_json,
                          const std::filesystem::path& expected_xml) {
  auto r = s.reverse(m.id, input);
  if (std::filesystem::exists(expected_xml)) {
    if (!r)
      return "expected XML, got " + std::string(r.error().wire_code()) + ": " + r.error().message;
    auto want = read_file(expected_xml).value_or("");
    if (rstrip(want) != rstrip(r->body)) return "XML differs; got:\n" + r->body;
    return {};
  }
  rapidjson::Document want;
  auto text = read_file(expected_json).value_or("");
  want.Parse(text.data(), text.size());
  if (want.HasParseError() || !want.IsObject()) return "the expected file is not a JSON object";
  if (want.HasMember("error")) {
    if (r) return "expected an error, got " + r->body;
    return check_error(want, r.error());
  }
  if (!r)
    return "expected output, got " + std::string(r.error().wire_code()) + ": " + r.error().message;
  rapidjson::Document got;
  got.Parse(r->body.data(), r->body.size());
  if (!want.HasMember("output"))
    return "the expected file holds {\"output\": ...} or {\"error\": ...}";
  if (auto d = first_difference(want["output"], got, ""); !d.empty()) return "output " + d;
  return {};
}

}  // namespace

std::vector<CaseResult> run_cases(const Snapshot& snapshot, const Mapping& mapping,
                                  Diagnostics& diags) {
  std::vector<CaseResult> results;
  const std::filesystem::path dir = std::filesystem::path(mapping.file).parent_path() / "cases";
  const std::string prefix = mapping.stem + ".";
  std::vector<std::filesystem::path> inputs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    if (ends_with(name, ".expected.json") || ends_with(name, ".expected.xml")) {
      std::string base = name.substr(0, name.size() - (ends_with(name, ".json") ? 14 : 13));
      if (!std::filesystem::exists(dir / (base + ".json")) &&
          !std::filesystem::exists(dir / (base + ".xml")))
        diags.push_back(
            {e.path().string(), {1, 1}, "case_orphan", "", "no input beside this expected file"});
      continue;
    }
    if (e.path().extension() == ".xml" || e.path().extension() == ".json")
      inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty())
    diags.push_back({mapping.file,
                     {1, 1},
                     "no_cases",
                     "",
                     "no golden case in " + dir.string() + " (" + prefix + "<case>.<xml|json>)"});

  for (const auto& input : inputs) {
    const std::string stem = input.stem().string();  // <mapping>.<case>
    const auto expected_json = dir / (stem + ".expected.json");
    const auto expected_xml = dir / (stem + ".expected.xml");
    CaseResult cr{mapping.id, input.filename().string(), false, {}};
    auto text = read_file(input);
    if (!std::filesystem::exists(expected_json) && !std::filesystem::exists(expected_xml)) {
      cr.message = "no " + expected_json.filename().string() + " beside the input";
    } else if (!text) {
      cr.message = "cannot read the input";
    } else if (mapping.direction == Direction::reverse) {
      cr.message = check_reverse(snapshot, mapping, *text, expected_json, expected_xml);
    } else {
      rapidjson::Document want;
      auto w = read_file(expected_json).value_or("");
      want.Parse(w.data(), w.size());
      cr.message = want.HasParseError() || !want.IsObject()
                       ? "the expected file is not a JSON object"
                       : check_forward(snapshot, mapping, *text, want);
    }
    cr.passed = cr.message.empty();
    if (!cr.passed)
      diags.push_back({input.string(), {1, 1}, "case_failed", mapping.id, cr.message});
    results.push_back(std::move(cr));
  }
  return results;
}

}  // namespace hub::mapping
