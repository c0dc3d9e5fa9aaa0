#include "hub/text/compare.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>

#include "hub/text/clean.hpp"

namespace hub::text {
namespace {

const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* n = [] {
    UErrorCode ec = U_ZERO_ERROR;
    return icu::Normalizer2::getNFKCCasefoldInstance(ec);
  }();
  return *n;
}

bool arabic_optional_mark(UChar32 c) {
  return c == 0x0640 || (c >= 0x064B && c <= 0x0652) || c == 0x0670;
}

char ascii_stand_in(UChar32 c) {
  switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x02BC:
    case 0x0060:
    case 0x00B4:
      return '\'';
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      return '-';
    default:
      return 0;
  }
}

}  // namespace

std::string comparison_key(std::string_view s) {
  std::string entered;
  // A text the entry rule refuses never reached a store; should one be compared anyway, its
  // bytes are compared as they are.
  if (clean(s, entered)) entered.assign(s);
  std::string folded;
  UErrorCode ec = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&folded, static_cast<std::int32_t>(entered.size()));
  nfkc_casefold().normalizeUTF8(0, entered, sink, nullptr, ec);
  if (U_FAILURE(ec)) folded = entered;

  std::string key;
  key.reserve(folded.size());
  bool space = false;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(folded.data());
  const auto length = static_cast<std::int32_t>(folded.size());
  std::int32_t i = 0;
  while (i < length) {
    const std::int32_t at = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && u_isUWhiteSpace(c)) {
      space = !key.empty();
      continue;
    }
    if (c >= 0 && arabic_optional_mark(c)) continue;
    if (space) key.push_back(' ');
    space = false;
    if (const char a = c >= 0 ? ascii_stand_in(c) : 0) {
      key.push_back(a);
    } else {
      key.append(folded, static_cast<std::size_t>(at), static_cast<std::size_t>(i - at));
    }
  }
  return key;
}

bool equivalent(std::string_view a, std::string_view b) {
  return a == b || comparison_key(a) == comparison_key(b);
}

}  // namespace hub::text
