// Identifiers the hub makes or shows: correlation ids, and masked personal identifiers for logs.
#pragma once

#include <string>
#include <string_view>

namespace hub {

// A random (version 4) UUID in its canonical lower-case text form.
std::string new_uuid();

// True for a UUID in canonical 8-4-4-4-12 hexadecimal form (any case).
bool is_uuid(std::string_view s);

// A correlation id received from a client is echoed back only when it is short and made of safe
// characters, so that it can never inject into a log line or a header.
bool is_safe_correlation_id(std::string_view s);

// Keeps the first two and the last two characters and masks the rest ("BK****56"), so that a log
// line can be matched to a case by someone who already knows the identifier, and by no one else.
std::string mask_identifier(std::string_view id);

// Masks every run of 5 or more characters that looks like a personal or company identifier
// (a CNIE, ICE, IF, RIB or RC number) inside a request target before it is logged.
std::string mask_identifiers_in(std::string_view text);

}  // namespace hub
