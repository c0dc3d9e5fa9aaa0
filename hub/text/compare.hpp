// When two texts say the same thing: the comparison the broker's conflict check and the
// registry's check of a client's spelling against a partner's both use (docs/text.md).
//
// The key of a text is, after the entry rule (clean.hpp): NFKC_Casefold (Unicode UAX #44: the
// compatibility forms such as Arabic presentation forms or fullwidth letters read as the letters
// they show, case set aside, every default-ignorable code point removed, ZWNJ and ZWJ included);
// then the Arabic tatweel (U+0640) and the optional vowel marks (harakat U+064B..U+0652, the
// superscript alef U+0670) removed; apostrophes (U+2018, U+2019, U+02BC, U+0060, U+00B4) read
// as ' and dashes (U+2010..U+2015, U+2212) as -; runs of white space read as one space, none at
// either end. Accents and hamza stay significant: "Hélène" is not "Helene", "أحمد" is not "احمد".
#pragma once

#include <string>
#include <string_view>

namespace hub::text {

std::string comparison_key(std::string_view s);

// comparison_key(a) == comparison_key(b).
bool equivalent(std::string_view a, std::string_view b);

}  // namespace hub::text
