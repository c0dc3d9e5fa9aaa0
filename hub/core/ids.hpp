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

// True when a client-given value (a correlation id, as is_safe_correlation_id() lets through:
// ASCII letters, digits, '-', '_', '.') holds something shaped like a personal identifier, and
// must not be kept, logged or journaled as given:
// - a CNIE: one or two letters, not preceded by a letter, then 4 to 6 digits, in either case
//   ("BK123456", "xp123457-leak", "id-a12345"): the CNIE's form (hub/identifiers/partner_ids.hpp)
//   with mask_identifiers_in()'s threshold of 4 digits, below which a token reads as a word or a
//   version ("v1.2");
// - 7 digits or more in a run, single '-' or '.' between digits counted through ("0612345678",
//   "06-12-34-56-78"): an affiliation number or IF (7 to 8 digits), an immatriculation (9), a
//   phone number (9 or 10, 12 with 212), an ICE (15), a RIB (24); a date written 1985-03-12
//   counts as 8 digits, and is not kept either (a birth date is personal too).
// A UUID in canonical form is not read this way: it is what clients are asked to send and what
// the hub makes, and its random hexadecimal groups would read as a CNIE or a digit run about two
// times in three (68% of 100,000 version-4 UUIDs).
bool holds_personal_identifier(std::string_view s);

// Keeps the first two and the last two characters and masks the rest ("BK****56"), so that a log
// line can be matched to a case by someone who already knows the identifier, and by no one else.
std::string mask_identifier(std::string_view id);

// Masks every run of 5 or more characters that looks like a personal or company identifier
// (a CNIE, ICE, IF, RIB or RC number) inside a request target before it is logged.
std::string mask_identifiers_in(std::string_view text);

}  // namespace hub
