#include "hub/workbench/files.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>

#include "hub/mapping/yaml_source.hpp"

namespace hub::workbench {

namespace fs = std::filesystem;

std::string MappingFiles::partner_dir() const {
  return fs::path(file).parent_path().string();
}

std::string MappingFiles::stem() const {
  return fs::path(file).stem().string();
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

}  // namespace

Result<std::vector<MappingFiles>> read_mapping_files(const fs::path& dir) {
  if (!fs::is_directory(dir)) return file_error(dir, "read the mappings folder");
  std::vector<MappingFiles> out;
  std::error_code ec;
  for (const auto& partner : fs::directory_iterator(dir, ec)) {
    const std::string name = partner.path().filename().string();
    if (!partner.is_directory() || name == "canonical" || name == "tables" || name[0] == '.')
      continue;
    for (const auto& e : fs::directory_iterator(partner.path(), ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
      MappingFiles m;
      m.file = name + "/" + e.path().filename().string();
      auto text = mapping::read_file(e.path());
      if (!text) return file_error(e.path(), "read");
      m.yaml = std::move(*text);
      m.id = declared_id(m.yaml);
      if (m.id.empty()) m.id = name + "." + m.stem();
      read_cases(partner.path() / "cases", m.stem(), m);
      out.push_back(std::move(m));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MappingFiles& a, const MappingFiles& b) { return a.file < b.file; });
  return out;
}

Result<void> write_mapping_files(const fs::path& dir, const std::vector<MappingFiles>& mappings) {
  for (const auto& m : mappings) {
    const fs::path partner = dir / m.partner_dir();
    std::error_code ec;
    fs::create_directories(partner / "cases", ec);
    if (ec) return file_error(partner / "cases", "create");
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

std::string to_json(const MappingFiles& m) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
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
    if (!doc.HasMember(k) || !doc[k].IsString()) return bad();
  MappingFiles m;
  m.id = doc["id"].GetString();
  m.file = doc["file"].GetString();
  m.yaml.assign(doc["yaml"].GetString(), doc["yaml"].GetStringLength());
  if (doc.HasMember("cases") && doc["cases"].IsObject())
    for (const auto& c : doc["cases"].GetObject())
      if (c.value.IsString())
        m.cases[c.name.GetString()] = std::string(c.value.GetString(), c.value.GetStringLength());
  return m;
}

}  // namespace hub::workbench
