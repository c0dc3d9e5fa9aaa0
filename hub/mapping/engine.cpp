#include "hub/mapping/engine.hpp"

#include "hub/mapping/cases.hpp"
#include "hub/mapping/evaluator.hpp"
#include "hub/mapping/yaml_source.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace hub::mapping {

namespace fs = std::filesystem;

struct SnapshotBuilder {
  static std::shared_ptr<Snapshot> make(CanonicalModel model, TableSet tables) {
    auto s = std::make_shared<Snapshot>();
    s->model_ = std::move(model);
    s->tables_ = std::move(tables);
    return s;
  }
  static const TableSet& tables(const Snapshot& s) { return s.tables_; }
  static bool add(Snapshot& s, std::shared_ptr<const Mapping> m) {
    return s.mappings_.emplace(m->id, std::move(m)).second;
  }
};

namespace {

Error unknown_mapping(std::string_view id) {
  return make_error(Errc::internal, "no mapping '" + std::string(id) + "' in the served set",
                    "unknown_mapping");
}

void compile_into(Snapshot& s, const std::vector<fs::path>& files, Diagnostics& diags) {
  std::vector<std::shared_ptr<const Mapping>> compiled;
  for (const auto& file : files) {
    auto m = compile_mapping_file(file, s.model(), SnapshotBuilder::tables(s), diags);
    if (!m) continue;
    if (!SnapshotBuilder::add(s, m)) {
      diags.push_back({file.string(),
                       {1, 1},
                       "duplicate_mapping",
                       "mapping",
                       "mapping id '" + m->id + "' is already used by " + s.find(m->id)->file});
    }
  }
}

LoadReport finish(std::shared_ptr<Snapshot> s, Diagnostics diags, bool with_cases = true) {
  LoadReport report;
  if (diags.empty() && with_cases)
    for (const auto& id : s->ids()) {
      auto cases = run_cases(*s, *s->find(id), diags);
      report.cases.insert(report.cases.end(), cases.begin(), cases.end());
    }
  report.diagnostics = std::move(diags);
  if (report.diagnostics.empty()) report.snapshot = std::move(s);
  return report;
}

}  // namespace

void MappedRecord::append_pointer(std::int32_t frame, std::string& out) const {
  if (frame < 0) return;
  const Frame& f = frames_[static_cast<std::size_t>(frame)];
  append_pointer(f.parent, out);
  if (!f.field) return;
  out += '/';
  out += f.field->name;
  if (f.out_index >= 0) out += '/' + std::to_string(f.out_index);
}

std::string MappedRecord::pointer(const Source& s) const {
  std::string out;
  append_pointer(s.frame, out);
  if (s.field) out += '/' + s.field->name;
  return out;
}

std::string MappedRecord::provenance_json() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("mapping");
  w.String(mapping_->id.c_str());
  w.Key("version");
  w.Int(mapping_->version);
  w.Key("partner");
  w.String(mapping_->partner.c_str());
  if (const auto id = correlation_id(); !id.empty()) {
    w.Key("correlation_id");
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
  }
  if (const auto at = fetched_at(); !at.empty()) {
    w.Key("fetched_at");
    w.String(at.data(), static_cast<rapidjson::SizeType>(at.size()));
  }
  w.Key("fields");
  w.StartObject();
  for (const auto& s : sources_) {
    std::string p = pointer(s);
    w.Key(p.data(), static_cast<rapidjson::SizeType>(p.size()));
    std::string src(s.path);
    if (s.index >= 0) src += "[" + std::to_string(s.index) + "]";
    w.String(src.c_str());
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<MappedRecord> Snapshot::map(std::string_view mapping_id, std::string_view payload,
                                   const Context& ctx) const {
  auto it = mappings_.find(mapping_id);
  if (it == mappings_.end() || it->second->direction != Direction::forward)
    return unknown_mapping(mapping_id);
  // The record keeps the whole snapshot alive (aliasing), since its provenance points into it.
  std::shared_ptr<const Mapping> keep(shared_from_this(), it->second.get());
  return Evaluator::forward(std::move(keep), payload, ctx);
}

Result<PartnerView> Snapshot::reverse(std::string_view mapping_id,
                                      std::string_view canonical_json) const {
  auto it = mappings_.find(mapping_id);
  if (it == mappings_.end() || it->second->direction != Direction::reverse)
    return unknown_mapping(mapping_id);
  return Evaluator::reverse(*it->second, canonical_json);
}

std::shared_ptr<const Mapping> Snapshot::find(std::string_view mapping_id) const {
  auto it = mappings_.find(mapping_id);
  return it == mappings_.end() ? nullptr : it->second;
}

std::vector<std::string> Snapshot::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, m] : mappings_) out.push_back(id);
  return out;
}

LoadReport load_mapping_set(const fs::path& dir) {
  Diagnostics diags;
  if (!fs::is_directory(dir)) {
    diags.push_back({dir.string(), {}, "unreadable", "", "not a directory"});
    return LoadReport{nullptr, std::move(diags), {}};
  }
  auto model = CanonicalModel::load(dir / "canonical", diags);
  auto tables = load_tables(dir / "tables", diags);
  auto s = SnapshotBuilder::make(std::move(model), std::move(tables));
  std::vector<fs::path> files;
  std::vector<fs::path> partners;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name == "canonical" || name == "tables" || name.front() == '.')
      continue;
    partners.push_back(e.path());
  }
  std::sort(partners.begin(), partners.end());
  for (const auto& p : partners)
    for (auto& f : yaml_files(p)) files.push_back(std::move(f));
  compile_into(*s, files, diags);
  return finish(std::move(s), std::move(diags));
}

LoadReport load_mapping_file(const fs::path& file, bool with_cases) {
  Diagnostics diags;
  // The set's root is the nearest ancestor holding canonical/.
  fs::path root = file.parent_path();
  for (int i = 0; i < 4 && !fs::is_directory(root / "canonical"); ++i) root = root.parent_path();
  if (!fs::is_directory(root / "canonical")) {
    diags.push_back({file.string(),
                     {},
                     "no_canonical_model",
                     "",
                     "no canonical/ directory above this file: run the check on the mapping set"});
    return LoadReport{nullptr, std::move(diags), {}};
  }
  auto model = CanonicalModel::load(root / "canonical", diags);
  auto tables = load_tables(root / "tables", diags);
  auto s = SnapshotBuilder::make(std::move(model), std::move(tables));
  compile_into(*s, {file}, diags);
  return finish(std::move(s), std::move(diags), with_cases);
}

LoadReport Catalog::reload() {
  LoadReport report = load_mapping_set(dir_);
  if (report.ok()) current_.store(report.snapshot);
  return report;
}

}  // namespace hub::mapping
