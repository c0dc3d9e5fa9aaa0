// UTF-8 well-formedness: the first check every byte string that enters the hub passes (RFC 3629
// section 4; The Unicode Standard, table 3-7: no overlong forms, no surrogates, nothing past
// U+10FFFF).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace hub::text {

// The offset of the first byte that does not begin a well-formed UTF-8 sequence; nullopt when
// the whole of `s` is well-formed.
std::optional<std::size_t> invalid_utf8_at(std::string_view s);

inline bool valid_utf8(std::string_view s) {
  return !invalid_utf8_at(s);
}

}  // namespace hub::text
