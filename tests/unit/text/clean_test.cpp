// The entry rule for text (hub/text/clean.hpp, docs/text.md): what is refused, folded, dropped
// and normalised, with the offsets a refusal names.
#include "hub/text/clean.hpp"
#include "hub/text/utf8.hpp"

#include <gtest/gtest.h>

namespace hub::text {
namespace {

std::string entered(std::string_view s) {
  std::string out;
  const auto r = clean(s, out);
  EXPECT_FALSE(r) << r->describe();
  return out;
}

Refusal refused(std::string_view s) {
  std::string out;
  const auto r = clean(s, out);
  EXPECT_TRUE(r) << "accepted as '" << out << "'";
  return r.value_or(Refusal{});
}

TEST(Utf8, NamesTheFirstBadByte) {
  EXPECT_TRUE(valid_utf8("Fès العمراني 😀 plain ascii long enough for the fast path"));
  EXPECT_EQ(invalid_utf8_at("F\xe8s"), 1u);               // Latin-1
  EXPECT_EQ(invalid_utf8_at("abcdefghij\xc0\xaf"), 10u);  // overlong '/'
  EXPECT_EQ(invalid_utf8_at("ab\xed\xb0\x80"), 2u);       // a surrogate
  EXPECT_EQ(invalid_utf8_at("\xf4\x90\x80\x80"), 0u);     // past U+10FFFF
  EXPECT_EQ(invalid_utf8_at("ok \xe2\x82"), 3u);          // cut short
}

TEST(Clean, PlainAsciiIsAlreadyClean) {
  EXPECT_TRUE(already_clean("EL OUAZZANI"));
  EXPECT_TRUE(already_clean("12, rue Ibn Khaldoun\n\tAgdal, long enough for words"));
  EXPECT_FALSE(already_clean("EL\xc2\xa0OUAZZANI"));
  EXPECT_FALSE(already_clean("line\r\nbreak"));
  EXPECT_FALSE(already_clean("bell\x07 in a long enough text"));
  EXPECT_FALSE(already_clean("delete\x7f"));
  EXPECT_EQ(entered("EL OUAZZANI"), "EL OUAZZANI");
}

TEST(Clean, EverySpaceSeparatorIsASpace) {
  // Every code point of category Zs but U+0020 (Unicode 15): no-break, ogham, en quad to hair
  // space (U+2000..U+200A), narrow no-break, medium mathematical, ideographic spaces.
  for (const char* sp :
       {"\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83",
        "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88",
        "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"})
    EXPECT_EQ(entered(std::string("EL") + sp + "OUAZZANI"), "EL OUAZZANI") << sp;
  // Runs are kept: collapsing belongs to a field's steps and to comparisons.
  EXPECT_EQ(entered("EL\xc2\xa0\xc2\xa0OUAZZANI"), "EL  OUAZZANI");
}

TEST(Clean, LineBreaksAreLineFeeds) {
  EXPECT_EQ(entered("a\r\nb\rc\xe2\x80\xa8"
                    "d\xe2\x80\xa9"
                    "e\tf"),
            "a\nb\nc\nd\ne\tf");
}

TEST(Clean, InvisibleMarksAreDropped) {
  // LRM, RLM, ALM, the embeddings and overrides, the isolates, ZWSP, WJ, BOM, soft hyphen,
  // Hangul filler, a tag character (U+E0001).
  for (const char* mark :
       {"\xe2\x80\x8e", "\xe2\x80\x8f", "\xd8\x9c", "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
        "\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8",
        "\xe2\x81\xa9", "\xe2\x80\x8b", "\xe2\x81\xa0", "\xef\xbb\xbf", "\xc2\xad", "\xe3\x85\xa4",
        "\xf3\xa0\x80\x81"})
    EXPECT_EQ(entered(std::string("\xd8\xa7\xd9\x84") + mark + "OUAZZANI"),
              "\xd8\xa7\xd9\x84OUAZZANI")
        << "mark " << mark;
  // An RLM around an Arabic name, as a right-to-left form leaves it.
  EXPECT_EQ(entered("\xe2\x80\x8f\xd8\xa7\xd9\x84\xd8\xb9\xd9\x85\xd8\xb1\xd8\xa7\xd9\x86\xd9\x8a"
                    "\xe2\x80\x8f"),
            "\xd8\xa7\xd9\x84\xd8\xb9\xd9\x85\xd8\xb1\xd8\xa7\xd9\x86\xd9\x8a");
}

TEST(Clean, JoinersAndVariationSelectorsStay) {
  // ZWNJ and ZWJ change how Arabic and Persian letters join: they are part of the spelling.
  const std::string zwnj = "\xd9\x85\xe2\x80\x8c\xd9\x8a";  // م ZWNJ ي
  const std::string zwj = "\xd9\x84\xe2\x80\x8d";           // ل ZWJ
  EXPECT_EQ(entered(zwnj), zwnj);
  EXPECT_EQ(entered(zwj), zwj);
  EXPECT_EQ(entered("\xe2\x9d\xa4\xef\xb8\x8f"), "\xe2\x9d\xa4\xef\xb8\x8f");  // ❤ VS16
}

TEST(Clean, NormalisationFormC) {
  EXPECT_EQ(entered("He\xcc\x81le\xcc\x80ne"), "H\xc3\xa9l\xc3\xa8ne");  // e + U+0301 -> é
  // Alef + hamza above (U+0627 U+0654) -> U+0623: the same letter as DGSN writes it.
  EXPECT_EQ(entered("\xd8\xa7\xd9\x94\xd8\xad\xd9\x85\xd8\xaf"),
            "\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf");
  // NFC, not NFKC: presentation forms and fullwidth letters are kept as written.
  EXPECT_EQ(entered("\xef\xbc\xa5\xef\xbc\xac"), "\xef\xbc\xa5\xef\xbc\xac");
  // A mark dropped between a letter and its accent lets them compose.
  EXPECT_EQ(entered("e\xe2\x80\x8b\xcc\x81"), "\xc3\xa9");
}

TEST(Clean, ControlsAreRefusedWithTheirPlace) {
  Refusal r = refused("Sa\x07ra");
  EXPECT_EQ(r.code, "text_control_character");
  EXPECT_EQ(r.offset, 2u);
  EXPECT_EQ(r.code_point, 7u);
  EXPECT_EQ(r.describe(), "U+0007, a control character, at byte 2");
  EXPECT_EQ(refused(std::string("a\0b", 3)).code, "text_control_character");
  EXPECT_EQ(refused("del\x7f").code, "text_control_character");
  r = refused("Fatima\xc2\x85Zahra");  // NEL, a C1 control
  EXPECT_EQ(r.code, "text_control_character");
  EXPECT_EQ(r.code_point, 0x85u);
  EXPECT_EQ(r.offset, 6u);
}

TEST(Clean, NoncharactersAndSurrogatesAreRefused) {
  for (const char* nc : {"\xef\xb7\x90", "\xef\xb7\xaf", "\xef\xbf\xbe", "\xef\xbf\xbf",
                         "\xf0\x9f\xbf\xbe", "\xf4\x8f\xbf\xbf"})
    EXPECT_EQ(refused(std::string("x") + nc).code, "text_noncharacter") << nc;
  const Refusal s = refused("Sa\xed\xb0\x80ra");  // what a decoded \udc00 escape leaves
  EXPECT_EQ(s.code, "text_lone_surrogate");
  EXPECT_EQ(s.code_point, 0xDC00u);
  EXPECT_EQ(s.offset, 2u);
  const Refusal b = refused("Fatima F\xe8s");
  EXPECT_EQ(b.code, "invalid_utf8");
  EXPECT_EQ(b.offset, 8u);
}

}  // namespace
}  // namespace hub::text
