#include "hub/core/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <cstdint>

namespace hub {

std::string new_uuid() {
  std::array<unsigned char, 16> b{};
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[b[i] >> 4]);
    out.push_back(hex[b[i] & 0x0f]);
  }
  return out;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

bool is_safe_correlation_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string mask_identifier(std::string_view id) {
  if (id.size() <= 4) return std::string(id.size(), '*');
  std::string out(id);
  for (std::size_t i = 2; i + 2 < out.size(); ++i) out[i] = '*';
  return out;
}

std::string mask_identifiers_in(std::string_view text) {
  // An identifier-like token: letters and digits with at least 4 digits, between separators.
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    int digits = 0;
    while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) {
      if (std::isdigit(static_cast<unsigned char>(text[j]))) ++digits;
      ++j;
    }
    if (j == i) {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    const std::string_view token = text.substr(i, j - i);
    out += digits >= 4 ? mask_identifier(token) : std::string(token);
    i = j;
  }
  return out;
}

}  // namespace hub
