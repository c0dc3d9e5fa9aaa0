// Reading YAML with its source positions kept, and turning yaml-cpp's exceptions into diagnostics.
#pragma once

#include "hub/mapping/diagnostic.hpp"

#include <yaml-cpp/yaml.h>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hub::mapping {

Pos pos_of(const YAML::Node& node);

// Parses a whole file; on a syntax error appends a yaml_syntax diagnostic and returns nothing.
std::optional<YAML::Node> load_yaml(const std::filesystem::path& file, Diagnostics& diags);

// Reads a whole file into a string; nothing if it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& file);

// The regular files named *.yaml directly in dir, sorted; none when it cannot be read.
std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir);

// Collects diagnostics for one file, with the key path of the node being compiled.
class Reporter {
 public:
  Reporter(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  void error(const YAML::Node& at, std::string_view code, std::string message);
  void error(Pos at, std::string_view code, std::string message);

  // Scoped key-path segment: `Reporter::Key k(r, "fields"); ...`.
  class Key {
   public:
    Key(Reporter& r, std::string_view segment);
    Key(Reporter& r, std::size_t index);
    ~Key();
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;

   private:
    Reporter& r_;
    std::size_t size_;
  };

  const std::string& file() const { return file_; }
  // Reports against another file for a while (fields borrowed with `use:`); returns the old one.
  std::string switch_file(std::string file) {
    std::swap(file, file_);
    return file;
  }
  std::size_t count() const { return diags_.size(); }

 private:
  std::string file_;
  Diagnostics& diags_;
  std::string path_;
};

// Scalar text of a node, or nothing if it is not a scalar.
std::optional<std::string> scalar(const YAML::Node& node);

}  // namespace hub::mapping
