#include "hub/config/yaml_reader.hpp"

#include <charconv>
#include <filesystem>

namespace hub::config {
namespace fs = std::filesystem;

std::string Problem::to_string() const {
  std::string s = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + code +
                  ": " + message;
  if (!path.empty()) s += " (at " + path + ")";
  return s;
}

ReadContext::ReadContext(std::string file, std::string base_dir, bool check_files)
    : file_(std::move(file)), base_dir_(std::move(base_dir)), check_files_(check_files) {}

std::optional<YAML::Node> ReadContext::parse(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    problem(e.mark, "", "yaml_syntax", e.msg);
  } catch (const YAML::Exception& e) {
    problem(e.mark, "", "yaml_syntax", e.msg);
  }
  return std::nullopt;
}

void ReadContext::problem(const YAML::Mark& at, std::string path, std::string code,
                          std::string message) {
  Problem p;
  p.file = file_;
  // yaml-cpp marks are 0-based; a null mark (-1) is reported as 1:1.
  p.line = at.line >= 0 ? at.line + 1 : 1;
  p.column = at.column >= 0 ? at.column + 1 : 1;
  p.path = std::move(path);
  p.code = std::move(code);
  p.message = std::move(message);
  problems_.push_back(std::move(p));
}

void ReadContext::problem(const YAML::Node& at, std::string path, std::string code,
                          std::string message) {
  problem(at.Mark(), std::move(path), std::move(code), std::move(message));
}

namespace {
Position position_of(const YAML::Mark& m) {
  return {m.line >= 0 ? m.line + 1 : 1, m.column >= 0 ? m.column + 1 : 1};
}
}  // namespace

void ReadContext::note(std::string path, const YAML::Mark& key, const YAML::Mark& value) {
  positions_[std::move(path)] = {position_of(key), position_of(value)};
}

Problem HubConfig::problem_at(const std::string& path, bool at_key, std::string code,
                              std::string message) const {
  std::string_view at = path;
  auto it = positions.find(at);
  while (it == positions.end() && !at.empty()) {
    at = at.substr(0, at.rfind('/'));
    it = positions.find(at);
  }
  Problem p{source_file, 1, 1, path, std::move(code), std::move(message)};
  if (it != positions.end()) {
    const Position& where = at_key ? it->second.key : it->second.value;
    p.line = where.line;
    p.column = where.column;
  }
  return p;
}

std::string ReadContext::resolve(const std::string& p) const {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_absolute() || base_dir_.empty()) return path.lexically_normal().string();
  return (fs::path(base_dir_) / path).lexically_normal().string();
}

MapReader::MapReader(ReadContext& ctx, YAML::Node node, std::string path)
    : ctx_(&ctx), node_(std::move(node)), path_(std::move(path)) {
  if (node_.IsMap()) {
    valid_ = true;
  } else if (node_.IsNull()) {
    // An empty section ("limits:") reads as an empty mapping.
    valid_ = true;
    node_ = YAML::Node(YAML::NodeType::Map);
  } else {
    ctx_->problem(node_, path_.empty() ? "/" : path_, "wrong_type", "expected a mapping");
  }
}

MapReader::MapReader(MapReader&& other) noexcept
    : ctx_(other.ctx_),
      node_(std::move(other.node_)),
      path_(std::move(other.path_)),
      valid_(other.valid_),
      finished_(other.finished_),
      seen_(std::move(other.seen_)) {
  // Only one of the two reports the unknown keys.
  other.finished_ = true;
}

MapReader::~MapReader() {
  if (!finished_ && ctx_ != nullptr) finish();
}

namespace {

// YAML keys are unique (YAML 1.2 section 3.2.1.1), yet yaml-cpp keeps both of a key written twice
// and its lookups find the first: a line added below to change a value would be silently ignored.
// False, with duplicate_key at the second, when `key` was written before in this mapping.
bool written_once(ReadContext& ctx, std::set<std::string, std::less<>>& written,
                  const YAML::Node& at, const std::string& key, const std::string& path) {
  if (written.insert(key).second) return true;
  ctx.problem(at, path, "duplicate_key",
              "'" + key + "' is written twice in this mapping: keep one (YAML keys are unique)");
  return false;
}

}  // namespace

void MapReader::finish() {
  finished_ = true;
  if (!valid_) return;
  std::set<std::string, std::less<>> written;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (!written_once(*ctx_, written, it->first, key, key_path(key))) continue;
    if (!seen_.contains(key)) {
      ctx_->problem(it->first, key_path(key), "unknown_key",
                    "unknown key '" + key + "' (check its spelling against the reference)");
    }
  }
}

bool MapReader::has(std::string_view key) const {
  return valid_ && node_[std::string(key)].IsDefined() && !node_[std::string(key)].IsNull();
}

std::string MapReader::key_path(std::string_view key) const {
  return path_ + "/" + std::string(key);
}

void MapReader::retired(std::string_view key, const std::string& message) {
  if (auto n = get(key, false)) ctx_->problem(*n, key_path(key), "replaced", message);
}

std::optional<YAML::Node> MapReader::get(std::string_view key, bool required) {
  seen_.emplace(key);
  if (!valid_) return std::nullopt;
  YAML::Node n = node_[std::string(key)];
  for (auto it = node_.begin(); n.IsDefined() && it != node_.end(); ++it) {
    if (it->first.Scalar() == key) ctx_->note(key_path(key), it->first.Mark(), it->second.Mark());
  }
  if (!n.IsDefined() || n.IsNull()) {
    if (required) {
      ctx_->problem(node_, key_path(key), "missing_key",
                    "required key '" + std::string(key) + "' is missing");
    }
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> MapReader::scalar(std::string_view key, bool required) {
  auto n = get(key, required);
  if (!n) return std::nullopt;
  if (!n->IsScalar()) {
    ctx_->problem(*n, key_path(key), "wrong_type", "expected a single value");
    return std::nullopt;
  }
  return n->Scalar();
}

void MapReader::string(std::string_view key, std::string& out, bool required) {
  if (auto s = scalar(key, required)) {
    if (s->empty() && required) {
      ctx_->problem(node_[std::string(key)], key_path(key), "invalid_value", "must not be empty");
      return;
    }
    out = *s;
  }
}

void MapReader::one_of(std::string_view key, std::string& out,
                       std::initializer_list<std::string_view> allowed, bool required) {
  auto s = scalar(key, required);
  if (!s) return;
  for (auto a : allowed) {
    if (*s == a) {
      out = *s;
      return;
    }
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  ctx_->problem(node_[std::string(key)], key_path(key), "invalid_value",
                "'" + *s + "' is not one of: " + list);
}

void MapReader::file(std::string_view key, std::string& out, bool required) {
  auto s = scalar(key, required);
  if (!s) return;
  out = ctx_->resolve(*s);
  if (ctx_->check_files() && !fs::is_regular_file(out)) {
    ctx_->problem(node_[std::string(key)], key_path(key), "file_not_found", "no such file: " + out);
  }
}

void MapReader::directory(std::string_view key, std::string& out, bool required) {
  if (auto s = scalar(key, required)) out = ctx_->resolve(*s);
}

namespace {
template <class Int>
bool parse_int(const std::string& s, Int& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

void MapReader::size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max,
                     bool required) {
  auto s = scalar(key, required);
  if (!s) return;
  std::size_t v = 0;
  if (!parse_int(*s, v)) {
    ctx_->problem(node_[std::string(key)], key_path(key), "wrong_type",
                  "expected a whole number, got '" + *s + "'");
  } else if (v < min || v > max) {
    ctx_->problem(
        node_[std::string(key)], key_path(key), "out_of_range",
        std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  } else {
    out = v;
  }
}

void MapReader::port(std::string_view key, std::uint16_t& out, bool required) {
  std::size_t v = out;
  const std::size_t before = ctx_->problems().size();
  size(key, v, 0, 65535, required);
  if (ctx_->problems().size() == before) out = static_cast<std::uint16_t>(v);
}

void MapReader::millis(std::string_view key, std::chrono::milliseconds& out, std::int64_t min_ms,
                       std::int64_t max_ms, bool required) {
  std::size_t v = static_cast<std::size_t>(out.count());
  const std::size_t before = ctx_->problems().size();
  size(key, v, static_cast<std::size_t>(min_ms), static_cast<std::size_t>(max_ms), required);
  if (ctx_->problems().size() == before) out = std::chrono::milliseconds(v);
}

void MapReader::number(std::string_view key, double& out, double min, double max, bool required) {
  auto s = scalar(key, required);
  if (!s) return;
  double v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) {
    ctx_->problem(node_[std::string(key)], key_path(key), "wrong_type",
                  "expected a number, got '" + *s + "'");
  } else if (v < min || v > max) {
    ctx_->problem(node_[std::string(key)], key_path(key), "out_of_range",
                  *s + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  } else {
    out = v;
  }
}

void MapReader::boolean(std::string_view key, bool& out, bool required) {
  auto s = scalar(key, required);
  if (!s) return;
  if (*s == "true") {
    out = true;
  } else if (*s == "false") {
    out = false;
  } else {
    ctx_->problem(node_[std::string(key)], key_path(key), "wrong_type",
                  "expected true or false, got '" + *s + "'");
  }
}

void MapReader::strings(std::string_view key, std::vector<std::string>& out, bool required) {
  auto n = get(key, required);
  if (!n) return;
  if (!n->IsSequence()) {
    ctx_->problem(*n, key_path(key), "wrong_type", "expected a list");
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < n->size(); ++i) {
    const YAML::Node e = (*n)[i];
    if (!e.IsScalar()) {
      ctx_->problem(e, key_path(key) + "/" + std::to_string(i), "wrong_type",
                    "expected a single value");
      continue;
    }
    out.push_back(e.Scalar());
  }
}

void MapReader::files(std::string_view key, std::vector<std::string>& out, bool required) {
  const std::size_t before = ctx_->problems().size();
  strings(key, out, required);
  if (ctx_->problems().size() != before) return;
  YAML::Node n = node_[std::string(key)];
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = ctx_->resolve(out[i]);
    if (ctx_->check_files() && !fs::is_regular_file(out[i])) {
      ctx_->problem(n[i], key_path(key) + "/" + std::to_string(i), "file_not_found",
                    "no such file: " + out[i]);
    }
  }
}

std::optional<MapReader> MapReader::map(std::string_view key, bool required) {
  auto n = get(key, required);
  if (!n) return std::nullopt;
  MapReader r(*ctx_, *n, key_path(key));
  if (!r.valid()) {
    r.finished_ = true;
    return std::nullopt;
  }
  return r;
}

std::vector<std::pair<YAML::Node, std::string>> MapReader::sequence(std::string_view key,
                                                                    bool required) {
  std::vector<std::pair<YAML::Node, std::string>> out;
  auto n = get(key, required);
  if (!n) return out;
  if (!n->IsSequence()) {
    ctx_->problem(*n, key_path(key), "wrong_type", "expected a list");
    return out;
  }
  for (std::size_t i = 0; i < n->size(); ++i) {
    out.emplace_back((*n)[i], key_path(key) + "/" + std::to_string(i));
  }
  return out;
}

std::vector<std::pair<std::string, MapReader>> MapReader::named_maps(std::string_view key,
                                                                     bool required) {
  std::vector<std::pair<std::string, MapReader>> out;
  auto n = get(key, required);
  if (!n) return out;
  if (!n->IsMap()) {
    ctx_->problem(*n, key_path(key), "wrong_type", "expected a mapping of names");
    return out;
  }
  std::set<std::string, std::less<>> written;
  for (auto it = n->begin(); it != n->end(); ++it) {
    const std::string name = it->first.Scalar();
    const std::string path = key_path(key) + "/" + name;
    if (!written_once(*ctx_, written, it->first, name, path)) continue;
    out.emplace_back(name, MapReader(*ctx_, it->second, path));
  }
  return out;
}

}  // namespace hub::config
