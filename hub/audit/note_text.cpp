#include "hub/audit/note_text.hpp"

#include <cstdint>

namespace hub::audit {
namespace {

// Decodes the code point at text[i], or -1 when the bytes there are not well-formed UTF-8
// (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF).
std::int32_t decode(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  int len = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > text.size()) return -1;
  for (int k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return -1;
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

bool is_space(std::int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace

std::optional<std::string> note_text_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t at = i;
    const std::int32_t cp = decode(text, i);
    if (cp < 0) return "byte " + std::to_string(at) + ": not valid UTF-8";
    if (cp < 0x20 && cp != '\n') {
      return "byte " + std::to_string(at) + ": control character " + std::to_string(cp) +
             " (only newline is allowed)";
    }
  }
  return std::nullopt;
}

bool is_valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    const std::int32_t cp = decode(name, i);
    if (cp < 0 || cp < 0x20 || cp == '+' || is_space(cp)) return false;
  }
  return true;
}

}  // namespace hub::audit
