#include "hub/mapping/diagnostic.hpp"

namespace hub::mapping {

std::string Diagnostic::str() const {
  std::string out = file;
  out += ':' + std::to_string(pos.line > 0 ? pos.line : 1) + ':' +
         std::to_string(pos.col > 0 ? pos.col : 1) + ": " + code + ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

}  // namespace hub::mapping
