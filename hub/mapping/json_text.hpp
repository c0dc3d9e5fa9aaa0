// Word-at-a-time text helpers shared by the mapping engine's record writer (and the benchmark's
// reference writer): 8 bytes per step for the common case where text needs no change.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace hub::mapping {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;
inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline std::uint64_t has_zero(std::uint64_t w) {
  return (w - kOnes) & ~w & kHighs;
}
inline std::uint64_t has_byte(std::uint64_t w, unsigned char b) {
  return has_zero(w ^ (kOnes * b));
}
inline std::uint64_t has_less(std::uint64_t w, unsigned char n) {
  return (w - kOnes * n) & ~w & kHighs;
}

// True when a byte of w must be escaped in a JSON string: a control character, '"' or '\\'.
inline bool needs_escape(std::uint64_t w) {
  return (has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\')) != 0;
}

// Writes v as a JSON string (quotes included) at o, which has room for v.size() * 6 + 2 bytes;
// returns the end. Eight bytes at a time while none needs escaping (almost always all of it);
// the last, partial word is read overlapping the one before, and short texts as two half-words.
inline char* write_json_string(char* o, std::string_view v) {
  *o++ = '"';
  const char* s = v.data();
  const std::size_t n = v.size();
  std::size_t i = 0;
  if (n >= 8) {
    for (; i + 8 <= n; i += 8, o += 8) {
      const std::uint64_t w = load8(s + i);
      if (needs_escape(w)) break;
      std::memcpy(o, &w, 8);
    }
    if (i + 8 > n && i < n) {
      const std::uint64_t w = load8(s + n - 8);
      if (!needs_escape(w)) {
        std::memcpy(o + (n - i) - 8, &w, 8);
        o += n - i;
        i = n;
      }
    }
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    if (!needs_escape(a | std::uint64_t{b} << 32)) {
      std::memcpy(o, &a, 4);
      std::memcpy(o + n - 4, &b, 4);
      o += n;
      i = n;
    }
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *o++ = static_cast<char>(c);
      continue;
    }
    *o++ = '\\';
    switch (c) {
      case '"':
        *o++ = '"';
        break;
      case '\\':
        *o++ = '\\';
        break;
      case '\n':
        *o++ = 'n';
        break;
      case '\r':
        *o++ = 'r';
        break;
      case '\t':
        *o++ = 't';
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        *o++ = 'u';
        *o++ = '0';
        *o++ = '0';
        *o++ = kHex[c >> 4];
        *o++ = kHex[c & 15];
      }
    }
  }
  *o++ = '"';
  return o;
}

}  // namespace hub::mapping
