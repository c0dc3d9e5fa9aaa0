// The one rule for text that enters the hub, from partners and from clients alike
// (docs/text.md gives each choice and its reason):
//   refused  bytes that are not UTF-8; surrogate code points (a lone \uDC00 escape); C0 controls
//            other than tab and line feed (CR is read as a line break), DEL and C1 controls;
//            noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF; RFC 7493 section 2.1);
//   folded   every space separator (Unicode category Zs: U+00A0, U+202F, U+2009, ...) to U+0020;
//            CR LF, CR, U+2028 and U+2029 to a line feed;
//   dropped  invisible default-ignorable code points (bidi marks and controls, U+200B, U+2060,
//            U+FEFF, U+00AD, ...), but not ZWNJ and ZWJ (U+200C, U+200D: they change how Arabic
//            and Persian letters join) nor the variation selectors and other marks;
//   then     Unicode Normalization Form C (UAX #15), with ICU.
// Runs of spaces are kept, and nothing is trimmed: a field's own steps do that (a mapping's
// collapse_spaces), and comparisons ignore both (compare.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hub::text {

// Why a text was refused, and where.
struct Refusal {
  // Stable: invalid_utf8 | text_lone_surrogate | text_control_character | text_noncharacter.
  std::string_view code;
  std::size_t offset = 0;   // byte offset in the text given to clean()
  char32_t code_point = 0;  // the refused code point (0 for bytes that are not UTF-8)
  // For people: "U+0007, a control character, at byte 3".
  std::string describe() const;
};

// True when clean(s) is s itself, known without decoding: printable ASCII, tabs and line feeds.
// Eight bytes at a time; the common case for partners' payloads.
bool already_clean(std::string_view s);

// Applies the rule: `out` receives the clean text, or the refusal is returned (out is then
// unspecified).
std::optional<Refusal> clean(std::string_view s, std::string& out);

}  // namespace hub::text
