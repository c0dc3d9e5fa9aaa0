// Text a partner declares in another charset than UTF-8 (Content-Type's charset parameter, RFC
// 9110 section 8.3.1), read into UTF-8 with ICU's converters before anything else reads it.
#pragma once

#include <string>
#include <string_view>

#include "hub/core/error.hpp"

namespace hub::text {

// True for the names of UTF-8 and of its subset US-ASCII (IANA names and aliases, any case).
bool is_utf8_charset(std::string_view charset);

// The encoding an XML document's declaration names (`<?xml version="1.0" encoding="ISO-8859-1"?>`,
// XML 1.0 section 4.3.3), after an optional UTF-8 byte order mark; "" when the bytes start with
// no declaration or it names none. Used only when Content-Type names no charset (RFC 7303
// section 3.2: the charset parameter, when present, governs).
std::string xml_declared_encoding(std::string_view bytes);

// `bytes` in `charset` (an IANA name ICU knows: windows-1256, ISO-8859-6, ISO-8859-1...) as
// UTF-8. Errors (malformed_response): unsupported_charset (a name ICU does not know),
// bad_charset (a byte sequence that charset does not define).
Result<std::string> to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace hub::text
