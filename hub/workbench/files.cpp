#include "hub/workbench/files.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>

#include "hub/audit/base64.hpp"
#include "hub/mapping/yaml_source.hpp"
#include "hub/text/utf8.hpp"

namespace hub::workbench {

namespace fs = std::filesystem;

std::string MappingFiles::partner_dir() const {
  return fs::path(file).parent_path().string();
}

std::string MappingFiles::stem() const {
  return fs::path(file).stem().string();
}

bool MappingFiles::is_table() const {
  return partner_dir() == "tables";
}

const char* MappingFiles::kind() const {
  return is_table() ? "table" : "mapping";
}

namespace {

// The `mapping:` of a YAML text, or "" when it cannot be read (the compiler says why later).
std::string declared_id(const std::string& yaml) {
  try {
    const YAML::Node doc = YAML::Load(yaml);
    if (doc.IsMap() && doc["mapping"] && doc["mapping"].IsScalar())
      return doc["mapping"].as<std::string>();
  } catch (const YAML::Exception&) {
  }
  return {};
}

void read_cases(const fs::path& cases_dir, const std::string& stem, MappingFiles& m) {
  std::error_code ec;
  const std::string prefix = stem + ".";
  for (const auto& e : fs::directory_iterator(cases_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind(prefix, 0) != 0) continue;
    if (auto text = mapping::read_file(e.path())) m.cases[name] = std::move(*text);
  }
}

Error file_error(const fs::path& p, const std::string& what) {
  return make_error(Errc::internal, "cannot " + what + " " + p.string(), "file_error");
}

Result<void> read_tables(const fs::path& dir, std::vector<MappingFiles>& out) {
  for (const auto& p : mapping::yaml_files(dir / "tables")) {
    auto text = mapping::read_file(p);
    if (!text) return file_error(p, "read");
    const std::string name = p.stem().string();
    out.push_back({kTablePrefix + name, "tables/" + p.filename().string(), std::move(*text), {}});
  }
  return {};
}

}  // namespace

Result<std::vector<MappingFiles>> read_mapping_files(const fs::path& dir) {
  if (!fs::is_directory(dir)) return file_error(dir, "read the mappings folder");
  std::vector<MappingFiles> out;
  std::error_code ec;
  for (const auto& partner : fs::directory_iterator(dir, ec)) {
    const std::string name = partner.path().filename().string();
    if (!partner.is_directory() || name == "canonical" || name == "tables" || name[0] == '.')
      continue;
    for (const auto& p : mapping::yaml_files(partner.path())) {
      MappingFiles m;
      m.file = name + "/" + p.filename().string();
      auto text = mapping::read_file(p);
      if (!text) return file_error(p, "read");
      m.yaml = std::move(*text);
      m.id = declared_id(m.yaml);
      if (m.id.empty()) m.id = name + "." + m.stem();
      read_cases(partner.path() / "cases", m.stem(), m);
      out.push_back(std::move(m));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MappingFiles& a, const MappingFiles& b) { return a.file < b.file; });
  if (auto t = read_tables(dir, out); !t) return t.error();
  return out;
}

Result<void> write_mapping_files(const fs::path& dir, const std::vector<MappingFiles>& mappings) {
  for (const auto& m : mappings) {
    const fs::path partner = dir / m.partner_dir();
    std::error_code ec;
    fs::create_directories(m.cases.empty() ? partner : partner / "cases", ec);
    if (ec) return file_error(partner, "create");
    auto write = [](const fs::path& p, const std::string& text) {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out << text;
      return static_cast<bool>(out.flush());
    };
    if (!write(dir / m.file, m.yaml)) return file_error(dir / m.file, "write");
    for (const auto& [name, text] : m.cases)
      if (!write(partner / "cases" / name, text))
        return file_error(partner / "cases" / name, "write");
  }
  return {};
}

namespace {

// A file's bytes as JSON: a string when they are UTF-8 (what JSON and PostgreSQL's text hold),
// else {"base64": ...} (a golden case may be invalid UTF-8 on purpose).
void write_text(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& s) {
  if (text::valid_utf8(s)) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return;
  }
  const std::string b64 = audit::base64_encode(s);
  w.StartObject();
  w.Key("base64");
  w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
  w.EndObject();
}

std::optional<std::string> read_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsObject() && v.HasMember("base64") && v["base64"].IsString())
    return audit::base64_decode(v["base64"].GetString());
  return std::nullopt;
}

}  // namespace

std::string to_json(const MappingFiles& m) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const std::string& s) { write_text(w, s); };
  w.StartObject();
  w.Key("id");
  str(m.id);
  w.Key("file");
  str(m.file);
  w.Key("yaml");
  str(m.yaml);
  w.Key("cases");
  w.StartObject();
  for (const auto& [name, text] : m.cases) {
    str(name);
    str(text);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<MappingFiles> mapping_files_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  auto bad = [] {
    return make_error(Errc::internal, "a stored mapping version does not read back",
                      "invalid_stored_mapping");
  };
  if (doc.HasParseError() || !doc.IsObject()) return bad();
  for (const char* k : {"id", "file", "yaml"})
    if (!doc.HasMember(k)) return bad();
  auto id = read_text(doc["id"]), file = read_text(doc["file"]), yaml = read_text(doc["yaml"]);
  if (!id || !file || !yaml) return bad();
  MappingFiles m{std::move(*id), std::move(*file), std::move(*yaml), {}};
  if (doc.HasMember("cases") && doc["cases"].IsObject())
    for (const auto& c : doc["cases"].GetObject()) {
      auto text = read_text(c.value);
      if (!text) return bad();
      m.cases[c.name.GetString()] = std::move(*text);
    }
  return m;
}

}  // namespace hub::workbench
