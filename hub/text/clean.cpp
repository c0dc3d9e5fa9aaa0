#include "hub/text/clean.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace hub::text {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

// 0x80 in some byte of w that is below n (n <= 0x80).
inline std::uint64_t has_less(std::uint64_t w, unsigned char n) {
  return (w - kOnes * n) & ~w & kHighs;
}
inline std::uint64_t has_byte(std::uint64_t w, unsigned char b) {
  const std::uint64_t x = w ^ (kOnes * b);
  return (x - kOnes) & ~x & kHighs;
}

inline bool plain_byte(unsigned char c) {
  return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n';
}

// A surrogate written as if it were a character (ED A0..BF xx): what a decoder that lets a lone
// \uDC00 escape through, or an XML character reference &#xD800;, leaves behind.
bool encoded_surrogate(std::string_view s, std::size_t at) {
  return at + 2 < s.size() && static_cast<unsigned char>(s[at]) == 0xED &&
         (static_cast<unsigned char>(s[at + 1]) & 0xE0) == 0xA0;
}

enum class Fate { keep, space, line_feed, drop, control, noncharacter };

Fate fate_of(UChar32 c) {
  if (c < 0x20) return c == '\t' || c == '\n' ? Fate::keep : Fate::control;
  if (c < 0x7F) return Fate::keep;
  if (c <= 0x9F) return Fate::control;
  if (U_IS_UNICODE_NONCHAR(c)) return Fate::noncharacter;
  if (c == 0x2028 || c == 0x2029) return Fate::line_feed;
  const auto type = static_cast<UCharCategory>(u_charType(c));
  if (type == U_SPACE_SEPARATOR) return Fate::space;
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) &&
      !u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL) && type != U_NON_SPACING_MARK)
    return Fate::drop;
  return Fate::keep;
}

const icu::Normalizer2& nfc() {
  static const icu::Normalizer2* n = [] {
    UErrorCode ec = U_ZERO_ERROR;
    return icu::Normalizer2::getNFCInstance(ec);
  }();
  return *n;
}

}  // namespace

std::string Refusal::describe() const {
  char cp[16] = "";
  if (code_point) std::snprintf(cp, sizeof cp, "U+%04X, ", static_cast<unsigned>(code_point));
  const char* what = code == "invalid_utf8"             ? "bytes that are not UTF-8"
                     : code == "text_lone_surrogate"    ? "a lone surrogate"
                     : code == "text_control_character" ? "a control character"
                     : code == "text_noncharacter"      ? "a Unicode noncharacter"
                                                        : "a refused character";
  return std::string(cp) + what + ", at byte " + std::to_string(offset);
}

bool already_clean(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & kHighs) return false;
    if (has_byte(w, 0x7F)) return false;
    if (has_less(w, 0x20)) {
      for (std::size_t k = 0; k < 8; ++k)
        if (!plain_byte(static_cast<unsigned char>(p[i + k]))) return false;
    }
  }
  for (; i < n; ++i)
    if (!plain_byte(static_cast<unsigned char>(p[i]))) return false;
  return true;
}

std::optional<Refusal> clean(std::string_view s, std::string& out) {
  std::string filtered;
  filtered.reserve(s.size());
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto length = static_cast<std::int32_t>(s.size());
  std::int32_t i = 0;
  while (i < length) {
    const std::int32_t at = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      if (encoded_surrogate(s, static_cast<std::size_t>(at))) {
        const auto c2 =
            ((bytes[at] & 0x0F) << 12) | ((bytes[at + 1] & 0x3F) << 6) | (bytes[at + 2] & 0x3F);
        return Refusal{"text_lone_surrogate", static_cast<std::size_t>(at),
                       static_cast<char32_t>(c2)};
      }
      return Refusal{"invalid_utf8", static_cast<std::size_t>(at), 0};
    }
    if (c == '\r') {
      if (i < length && bytes[i] == '\n') continue;  // CR LF: the LF stays
      filtered.push_back('\n');
      continue;
    }
    switch (fate_of(c)) {
      case Fate::keep:
        filtered.append(s.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(i - at)));
        break;
      case Fate::space:
        filtered.push_back(' ');
        break;
      case Fate::line_feed:
        filtered.push_back('\n');
        break;
      case Fate::drop:
        break;
      case Fate::control:
        return Refusal{"text_control_character", static_cast<std::size_t>(at),
                       static_cast<char32_t>(c)};
      case Fate::noncharacter:
        return Refusal{"text_noncharacter", static_cast<std::size_t>(at), static_cast<char32_t>(c)};
    }
  }
  UErrorCode ec = U_ZERO_ERROR;
  if (nfc().isNormalizedUTF8(filtered, ec) && U_SUCCESS(ec)) {
    out = std::move(filtered);
    return std::nullopt;
  }
  out.clear();
  ec = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out, static_cast<std::int32_t>(filtered.size()));
  nfc().normalizeUTF8(0, filtered, sink, nullptr, ec);
  // The input was checked above, so ICU has no reason to fail; if it ever does, the text is kept
  // as filtered rather than lost.
  if (U_FAILURE(ec)) out = std::move(filtered);
  return std::nullopt;
}

}  // namespace hub::text
