#include "hub/workbench/shapes.hpp"

#include "hub/workbench/json_io.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>
#include <map>

#include "hub/audit/base64.hpp"
#include "hub/text/utf8.hpp"

namespace hub::workbench {
namespace {

using Writer = JsonWriter;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct CaseFiles {
  std::string format, input, expected;
  bool expected_xml = false;
};

void write_cases(Writer& w, const MappingFiles& m) {
  std::map<std::string, CaseFiles> cases;
  const std::string prefix = m.stem() + ".";
  for (const auto& [file, text] : m.cases) {
    std::string rest = file.substr(prefix.size());
    for (const char* ext : {".expected.json", ".expected.xml", ".json", ".xml"}) {
      if (!ends_with(rest, ext)) continue;
      auto& c = cases[rest.substr(0, rest.size() - std::string(ext).size())];
      if (std::string(ext).rfind(".expected", 0) == 0) {
        c.expected = text;
        c.expected_xml = std::string(ext) == ".expected.xml";
      } else {
        c.input = text;
        c.format = ext + 1;
      }
      break;
    }
  }
  w.StartArray();
  for (const auto& [name, c] : cases) {
    w.StartObject();
    put(w, "name", name);
    put(w, "format", c.format);
    if (text::valid_utf8(c.input)) {
      put(w, "input", c.input);
    } else {  // a case of bytes that are not UTF-8 on purpose: JSON cannot hold them as text
      put(w, "input", "");
      put(w, "input_base64", audit::base64_encode(c.input));
    }
    w.Key("expected");
    rapidjson::Document d;
    d.Parse(c.expected.data(), c.expected.size());
    if (!c.expected_xml && !d.HasParseError())
      d.Accept(w);
    else
      w.String(c.expected.data(), static_cast<rapidjson::SizeType>(c.expected.size()));
    w.EndObject();
  }
  w.EndArray();
}

void write_version_info(Writer& w, const VersionMeta& v) {
  put(w, "version", v.version);
  put(w, "parent", v.parent);
  put(w, "author", v.author);
  put(w, "approver", v.approver);
  put(w, "published_at", rfc3339(v.time_ms));
  put(w, "reason", v.reason);
  put(w, "kind", v.kind);
}

void write_draft_info(Writer& w, const Draft& d) {
  put(w, "draft", d.id);
  put(w, "mapping", d.mapping);
  put(w, "type", d.files.kind());
  put(w, "base_version", d.base_version);
  put(w, "state", d.state);
  put(w, "author", d.author);
  put(w, "created_at", rfc3339(d.created_ms));
  if (d.requested_ms) put(w, "requested_at", rfc3339(d.requested_ms));
  if (!d.reason.empty()) put(w, "reason", d.reason);
  if (!d.decided_by.empty()) put(w, "decided_by", d.decided_by);
  if (d.version) put(w, "version", d.version);
}

}  // namespace

std::string json_string(const std::string& s) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return text_of(buf);
}

std::string rfc3339(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return out;
}

std::string cases_json(const MappingFiles& m) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write_cases(w, m);
  return text_of(buf);
}

std::string version_info_json(const VersionMeta& v) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  write_version_info(w, v);
  w.EndObject();
  return text_of(buf);
}

std::string version_json(const Version& v) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  put(w, "mapping", v.meta.mapping);
  put(w, "type", v.files.kind());
  write_version_info(w, v.meta);
  put(w, "file", v.files.file);
  put(w, "yaml", v.files.yaml);
  w.Key("cases");
  write_cases(w, v.files);
  w.EndObject();
  return text_of(buf);
}

std::string draft_info_json(const Draft& d) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  write_draft_info(w, d);
  w.EndObject();
  return text_of(buf);
}

std::string draft_full_json(const Draft& d) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  write_draft_info(w, d);
  put(w, "file", d.files.file);
  put(w, "yaml", d.files.yaml);
  w.Key("cases");
  write_cases(w, d.files);
  w.EndObject();
  return text_of(buf);
}

}  // namespace hub::workbench
