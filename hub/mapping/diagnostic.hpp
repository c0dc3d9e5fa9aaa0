// A positioned compile or case error, printed as `file:line:col: code: key.path: message`.
#pragma once

#include <string>
#include <vector>

namespace hub::mapping {

struct Pos {
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;
};

struct Diagnostic {
  std::string file;
  Pos pos;
  std::string code;      // stable: unknown_field, type_mismatch, unhandled_error, bad_path, ...
  std::string key_path;  // where in the mapping: fields.birth_date.transform[0]
  std::string message;

  std::string str() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace hub::mapping
