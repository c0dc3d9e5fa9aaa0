// A small schema walker over yaml-cpp nodes that records every problem with its position and key
// path instead of stopping at the first. Shared by the hub's and the simulators' configurations.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hub/config/config.hpp"

namespace hub::config {

class ReadContext {
 public:
  ReadContext(std::string file, std::string base_dir, bool check_files);

  // Parses YAML text; on a syntax error records `yaml_syntax` at its position.
  std::optional<YAML::Node> parse(const std::string& text);

  void problem(const YAML::Node& at, std::string path, std::string code, std::string message);
  void problem(const YAML::Mark& at, std::string path, std::string code, std::string message);

  std::string resolve(const std::string& p) const;
  bool check_files() const { return check_files_; }
  std::vector<Problem>& problems() { return problems_; }
  // Records where the key at `path` and its value are written (HubConfig::positions).
  void note(std::string path, const YAML::Mark& key, const YAML::Mark& value);
  std::map<std::string, KeyPosition, std::less<>>& positions() { return positions_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::string base_dir_;
  bool check_files_;
  std::vector<Problem> problems_;
  std::map<std::string, KeyPosition, std::less<>> positions_;
};

// A view of one YAML mapping. Every getter marks its key as known; finish() reports the keys
// nobody asked for as `unknown_key` (a misspelt key is an error, never silently ignored).
class MapReader {
 public:
  MapReader(ReadContext& ctx, YAML::Node node, std::string path);
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;
  MapReader(MapReader&& other) noexcept;
  MapReader& operator=(MapReader&&) = delete;
  ~MapReader();

  bool valid() const { return valid_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  bool has(std::string_view key) const;

  void string(std::string_view key, std::string& out, bool required = false);
  void one_of(std::string_view key, std::string& out,
              std::initializer_list<std::string_view> allowed, bool required = false);
  void file(std::string_view key, std::string& out, bool required = false);
  void directory(std::string_view key, std::string& out, bool required = false);
  void size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max,
            bool required = false);
  void port(std::string_view key, std::uint16_t& out, bool required = false);
  void millis(std::string_view key, std::chrono::milliseconds& out, std::int64_t min_ms,
              std::int64_t max_ms, bool required = false);
  void number(std::string_view key, double& out, double min, double max, bool required = false);
  void boolean(std::string_view key, bool& out, bool required = false);
  void strings(std::string_view key, std::vector<std::string>& out, bool required = false);
  void files(std::string_view key, std::vector<std::string>& out, bool required = false);

  // A nested mapping; nullopt when absent (and reported when required) or not a mapping.
  std::optional<MapReader> map(std::string_view key, bool required = false);
  // The elements of a sequence, each with its key path; empty when absent or not a sequence.
  std::vector<std::pair<YAML::Node, std::string>> sequence(std::string_view key,
                                                           bool required = false);
  // The entries of a mapping whose keys are names (e.g. partners: {dgsn: {...}}).
  std::vector<std::pair<std::string, MapReader>> named_maps(std::string_view key,
                                                            bool required = false);

  // A key the configuration no longer has: reported once, when present, with code "replaced" and
  // `message` (what replaces it), and its contents left unread.
  void retired(std::string_view key, const std::string& message);

  void finish();

 private:
  std::optional<YAML::Node> get(std::string_view key, bool required);
  std::optional<std::string> scalar(std::string_view key, bool required);
  std::string key_path(std::string_view key) const;

  ReadContext* ctx_;
  YAML::Node node_;
  std::string path_;
  bool valid_ = false;
  bool finished_ = false;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace hub::config
