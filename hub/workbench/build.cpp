#include "hub/workbench/build.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "hub/core/log.hpp"

namespace hub::workbench {

namespace fs = std::filesystem;

namespace {

// A private temporary folder laid out as mappings/, removed when it goes out of scope.
class Workspace {
 public:
  Workspace(const fs::path& base, const std::vector<MappingFiles>& set) {
    std::string tmpl = (fs::temp_directory_path() / "cnss-workbench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;  // mode 0700
    dir_ = tmpl;
    std::error_code ec;
    fs::create_directory_symlink(fs::absolute(base / "canonical"), dir_ / "canonical", ec);
    // The set's own code tables when it has them (written below); a set stored before code
    // tables were versioned compiles against the configured folder's.
    const bool own_tables =
        std::any_of(set.begin(), set.end(), [](const MappingFiles& m) { return m.is_table(); });
    if (!ec && !own_tables)
      fs::create_directory_symlink(fs::absolute(base / "tables"), dir_ / "tables", ec);
    ok_ = !ec && write_mapping_files(dir_, set).has_value();
  }
  ~Workspace() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  bool ok() const { return ok_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool ok_ = false;
};

mapping::LoadReport unwritable() {
  mapping::LoadReport r;
  r.diagnostics.push_back(
      {"", {}, "workspace_error", "", "cannot write a temporary folder to compile in"});
  return r;
}

// The set with `one` in place of the mapping of the same file (or added).
std::vector<MappingFiles> with(const std::vector<MappingFiles>& set, const MappingFiles& one) {
  std::vector<MappingFiles> out;
  for (const auto& m : set)
    if (m.file != one.file) out.push_back(m);
  out.push_back(one);
  return out;
}

// Where the token at (line, col) of the text ends (exclusive, 1-based), on the same line.
int token_end(const std::string& text, int line, int col) {
  std::istringstream in(text);
  std::string l;
  for (int i = 0; i < line && std::getline(in, l); ++i) {
  }
  auto c = static_cast<std::size_t>(col > 0 ? col - 1 : 0);
  if (c >= l.size()) return col + 1;
  std::size_t e = c;
  while (e < l.size() && l[e] != ' ' && l[e] != ',' && l[e] != ']' && l[e] != '}' &&
         !(l[e] == ':' && (e + 1 == l.size() || l[e + 1] == ' ')))
    ++e;
  return static_cast<int>(e == c ? c + 2 : e + 1);
}

}  // namespace

mapping::LoadReport compile_set(const fs::path& base, const std::vector<MappingFiles>& set) {
  Workspace ws(base, set);
  if (!ws.ok()) return unwritable();
  auto report = mapping::load_mapping_set(ws.dir());
  // Diagnostics name files of the workspace: name them as under mappings/.
  for (auto& d : report.diagnostics) d.file = fs::relative(d.file, ws.dir()).string();
  return report;
}

mapping::LoadReport compile_with(const fs::path& base, const std::vector<MappingFiles>& set,
                                 const MappingFiles& one) {
  return compile_set(base, with(set, one));
}

mapping::LoadReport compile_one(const fs::path& base, const std::vector<MappingFiles>& set,
                                const MappingFiles& one, bool with_cases) {
  Workspace ws(base, with(set, one));
  if (!ws.ok()) return unwritable();
  auto report = mapping::load_mapping_file(ws.dir() / one.file, with_cases);
  const fs::path cases = ws.dir() / one.partner_dir() / "cases";
  for (auto& d : report.diagnostics) {
    const fs::path f(d.file);
    d.file = f.parent_path() == cases ? "cases/" + f.filename().string()
                                      : fs::relative(f, ws.dir()).string();
  }
  return report;
}

std::string diagnostics_json(const mapping::Diagnostics& diags, const MappingFiles& one) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const auto& d : diags) {
    const bool in_yaml = d.file == one.file && d.pos.line > 0;
    w.StartObject();
    w.Key("line");
    w.Int(d.pos.line);
    w.Key("col");
    w.Int(d.pos.col);
    w.Key("end_line");
    w.Int(d.pos.line);
    w.Key("end_col");
    w.Int(in_yaml ? token_end(one.yaml, d.pos.line, d.pos.col) : d.pos.col);
    w.Key("code");
    w.String(d.code.c_str());
    w.Key("message");
    w.String(d.message.c_str());
    w.Key("path");
    w.String(d.key_path.c_str());
    w.Key("file");
    w.String(d.file.c_str());
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace hub::workbench
