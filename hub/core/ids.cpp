#include "hub/core/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <utility>
#include <vector>

namespace hub {
namespace {

// One code point of a request target, as far as masking cares.
enum class Kind { digit, letter, joiner, other };

struct CodePoint {
  Kind kind;
  std::size_t size;  // bytes
};

// Digits in every script a person may type an identifier in: ASCII, Arabic-Indic (U+0660-0669),
// extended Arabic-Indic (U+06F0-06F9) and fullwidth (U+FF10-FF19); letters: ASCII and fullwidth;
// joiners: what people put inside a number (space, dot, dash, '+' for a space in a query,
// no-break spaces, thin space).
CodePoint classify(std::string_view s, std::size_t i) {
  const std::size_t left = s.size() - i;
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c >= '0' && c <= '9') return {Kind::digit, 1};
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return {Kind::letter, 1};
  if (c == ' ' || c == '.' || c == '-' || c == '+') return {Kind::joiner, 1};
  if (left >= 2 && c == 0xC2 && b(1) == 0xA0) return {Kind::joiner, 2};  // U+00A0
  if (left >= 2 && ((c == 0xD9 && b(1) >= 0xA0 && b(1) <= 0xA9) ||       // U+0660-0669
                    (c == 0xDB && b(1) >= 0xB0 && b(1) <= 0xB9))) {      // U+06F0-06F9
    return {Kind::digit, 2};
  }
  if (left >= 3 && c == 0xEF && b(1) == 0xBC && b(2) >= 0x90 && b(2) <= 0x99) {
    return {Kind::digit, 3};  // U+FF10-FF19
  }
  if (left >= 3 && c == 0xEF &&
      ((b(1) == 0xBC && b(2) >= 0xA1 && b(2) <= 0xBA) ||   // U+FF21-FF3A
       (b(1) == 0xBD && b(2) >= 0x81 && b(2) <= 0x9A))) {  // U+FF41-FF5A
    return {Kind::letter, 3};
  }
  if (left >= 3 && c == 0xE2 && b(1) == 0x80 && (b(2) == 0xAF || b(2) == 0x89)) {
    return {Kind::joiner, 3};  // U+202F, U+2009
  }
  return {Kind::other, 1};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One round of percent-decoding (RFC 3986 section 2.1). Written here rather than with Boost.URL,
// whose decoder refuses a whole string for one malformed escape: a log line must be masked
// whatever the client sent, so a malformed escape is kept as it is.
std::string percent_decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int hi = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
    if (lo >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Bytes that are not UTF-8 become '?': the access log is JSON, and a decoded target may hold
// anything.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

}  // namespace

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

namespace {

bool ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool ascii_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The digits of the run starting at `i`, single '-' or '.' between two digits counted through.
std::size_t digit_run(std::string_view s, std::size_t i) {
  std::size_t digits = 0;
  while (i < s.size()) {
    if (ascii_digit(s[i])) {
      ++digits;
      ++i;
    } else if ((s[i] == '-' || s[i] == '.') && i > 0 && ascii_digit(s[i - 1]) && i + 1 < s.size() &&
               ascii_digit(s[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  return digits;
}

// One or two letters at `i`, not preceded by a letter, then 4 digits or more.
bool cnie_at(std::string_view s, std::size_t i) {
  if (!ascii_letter(s[i]) || (i > 0 && ascii_letter(s[i - 1]))) return false;
  std::size_t j = i + 1;
  if (j < s.size() && ascii_letter(s[j])) ++j;
  std::size_t digits = 0;
  while (j + digits < s.size() && ascii_digit(s[j + digits])) ++digits;
  return digits >= 4;
}

}  // namespace

bool holds_personal_identifier(std::string_view s) {
  if (is_uuid(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (cnie_at(s, i)) return true;
    if (ascii_digit(s[i]) && (i == 0 || !ascii_digit(s[i - 1])) && digit_run(s, i) >= 7) {
      return true;
    }
  }
  return false;
}

std::string mask_identifier(std::string_view id) {
  if (id.size() <= 4) return std::string(id.size(), '*');
  std::string out(id);
  for (std::size_t i = 2; i + 2 < out.size(); ++i) out[i] = '*';
  return out;
}

std::string mask_identifiers_in(std::string_view text) {
  // Decoded first, so that "AB%31%32%33%34" (or "%2531", encoded twice) is seen as the identifier
  // it is; three rounds cover any client that encodes more than once.
  std::string decoded(text);
  for (int round = 0; round < 3 && decoded.find('%') != std::string::npos; ++round) {
    std::string next = percent_decoded(decoded);
    if (next == decoded) break;
    decoded = std::move(next);
  }
  decoded = valid_utf8(decoded);
  const std::string_view s = decoded;

  // An identifier-like token: letters and digits, single joiners between them (a RIB typed in
  // groups, "001 810 ..."), with at least 4 digits. Its letters and digits are masked but the
  // first two and the last two; joiners are kept.
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const CodePoint first = classify(s, i);
    if (first.kind != Kind::digit && first.kind != Kind::letter) {
      out.append(s.substr(i, first.size));
      i += first.size;
      continue;
    }
    std::vector<std::pair<std::size_t, CodePoint>> token;  // offset, code point
    int digits = 0;
    std::size_t j = i;
    while (j < s.size()) {
      const CodePoint cp = classify(s, j);
      if (cp.kind == Kind::digit || cp.kind == Kind::letter) {
        digits += cp.kind == Kind::digit ? 1 : 0;
        token.emplace_back(j, cp);
        j += cp.size;
        continue;
      }
      const bool joins = cp.kind == Kind::joiner && j + cp.size < s.size() &&
                         (classify(s, j + cp.size).kind == Kind::digit ||
                          classify(s, j + cp.size).kind == Kind::letter);
      if (!joins) break;
      token.emplace_back(j, cp);
      j += cp.size;
    }
    if (digits < 4) {
      out.append(s.substr(i, j - i));
    } else {
      std::size_t alnum_total = 0;
      for (const auto& [at, cp] : token) alnum_total += cp.kind != Kind::joiner ? 1 : 0;
      std::size_t alnum_seen = 0;
      for (const auto& [at, cp] : token) {
        if (cp.kind == Kind::joiner) {
          out.append(s.substr(at, cp.size));
          continue;
        }
        const bool keep = alnum_seen < 2 || alnum_seen + 2 >= alnum_total;
        ++alnum_seen;
        if (keep) {
          out.append(s.substr(at, cp.size));
        } else {
          out.push_back('*');
        }
      }
    }
    i = j;
  }
  return out;
}

}  // namespace hub
