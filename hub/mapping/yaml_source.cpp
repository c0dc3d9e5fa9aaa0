#include "hub/mapping/yaml_source.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hub::mapping {

Pos pos_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<YAML::Node> load_yaml(const std::filesystem::path& file, Diagnostics& diags) {
  auto text = read_file(file);
  if (!text) {
    diags.push_back({file.string(), {}, "unreadable", "", "cannot read the file"});
    return std::nullopt;
  }
  try {
    return YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports positions 0-based; a mark of -1 means it had none.
    Pos p = e.mark.line >= 0 ? Pos{e.mark.line + 1, e.mark.column + 1} : Pos{};
    diags.push_back({file.string(), p, "yaml_syntax", "", e.msg});
    return std::nullopt;
  }
}

std::optional<std::string> scalar(const YAML::Node& node) {
  if (!node || !node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

void Reporter::error(const YAML::Node& at, std::string_view code, std::string message) {
  error(pos_of(at), code, std::move(message));
}

void Reporter::error(Pos at, std::string_view code, std::string message) {
  diags_.push_back({file_, at, std::string(code), path_, std::move(message)});
}

Reporter::Key::Key(Reporter& r, std::string_view segment) : r_(r), size_(r.path_.size()) {
  if (!r_.path_.empty()) r_.path_ += '.';
  r_.path_ += segment;
}

Reporter::Key::Key(Reporter& r, std::size_t index) : r_(r), size_(r.path_.size()) {
  r_.path_ += '[' + std::to_string(index) + ']';
}

Reporter::Key::~Key() {
  r_.path_.resize(size_);
}

}  // namespace hub::mapping
