// Text a partner declares in another charset than UTF-8 (Content-Type's charset parameter, RFC
// 9110 section 8.3.1), read into UTF-8 with ICU's converters before anything else reads it.
#pragma once

#include <string>
#include <string_view>

#include "hub/core/error.hpp"

namespace hub::text {

// True for the names of UTF-8 and of its subset US-ASCII (IANA names and aliases, any case).
bool is_utf8_charset(std::string_view charset);

// `bytes` in `charset` (an IANA name ICU knows: windows-1256, ISO-8859-6, ISO-8859-1...) as
// UTF-8. Errors (malformed_response): unsupported_charset (a name ICU does not know),
// bad_charset (a byte sequence that charset does not define).
Result<std::string> to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace hub::text
