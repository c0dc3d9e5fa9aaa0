// Identifiers as people type them at a counter or in a form: with the separators printed on
// cards and bank statements, in Arabic-Indic or fullwidth digits, in lower case. This is how the
// hub reads a client's identifier before checking it (partner_ids.hpp, cnss_numbers.hpp), and
// answers the canonical form. Partners' own payloads are not read this way: they must follow
// their contract's form exactly (../shared/partners/README.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub::identifiers {

// Separators accepted between characters: space, '-', '.', '/', U+00A0 (no-break space),
// U+202F (narrow no-break space), U+2009 (thin space), U+200E/U+200F (direction marks, which
// Arabic keyboards insert around Latin digits). Digits accepted: ASCII, Arabic-Indic
// (U+0660-0669), extended Arabic-Indic (U+06F0-06F9, Persian keyboards) and fullwidth
// (U+FF10-FF19). Letters: ASCII and fullwidth (U+FF21-FF3A, U+FF41-FF5A), folded to capitals.

// The digits of `typed` in ASCII, separators dropped: "0018 1000 7800 ٠٢٠١ ..." ->
// "001810007800...". nullopt when anything else is there (a letter, a symbol, bytes that are not
// UTF-8), or when no digit is: the caller then refuses the value with its field path.
std::optional<std::string> typed_digits(std::string_view typed);

// The same for a value made of letters and digits (a CNIE: "bk 123 456" -> "BK123456").
std::optional<std::string> typed_letters_and_digits(std::string_view typed);

}  // namespace hub::identifiers
