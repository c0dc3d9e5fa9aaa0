// Identifiers as people type them (issue 19, kind 6).
#include "hub/identifiers/typed.hpp"

#include <gtest/gtest.h>

#include "hub/identifiers/partner_ids.hpp"

namespace hub::identifiers {
namespace {

TEST(TypedIdentifiers, SeparatorsAndDigitScriptsGiveTheCanonicalForm) {
  const std::string rib = "001810007800020110620318";
  for (const char* typed : {
           "001810007800020110620318", "001 810 0078000201106203 18", "001-810-0078000201106203-18",
           "001.810.0078000201106203.18",
           "001\xC2\xA0"
           "810\xC2\xA0"
           "0078000201106203\xC2\xA0"
           "18",  // no-break spaces
           "001\xE2\x80\xAF"
           "810 0078000201106203 18",  // narrow no-break space
           "\xD9\xA0\xD9\xA0\xD9\xA1"
           "810007800020110620318",  // Arabic-Indic ٠٠١
           "\xDB\xB0\xDB\xB0\xDB\xB1"
           "810007800020110620318",  // extended Arabic-Indic ۰۰۱
           "\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x91"
           "810007800020110620318",  // fullwidth ００１
           "\xE2\x80\x8E"
           "001810007800020110620318"
           "\xE2\x80\x8E",  // left-to-right marks
       }) {
    auto digits = typed_digits(typed);
    ASSERT_TRUE(digits) << typed;
    EXPECT_EQ(*digits, rib) << typed;
    EXPECT_TRUE(valid_rib(*digits));
  }
  EXPECT_EQ(*typed_digits("001 561 191 000 066"), "001561191000066");
}

TEST(TypedIdentifiers, AnythingElseIsRefused) {
  for (const char* typed : {"", " ", "--", "0018100078000201106203l8", "001810007800020110620318€",
                            "00181000780002011062031_8",
                            "\xFF"
                            "001",
                            "12\xD9"}) {
    EXPECT_FALSE(typed_digits(typed)) << typed;
  }
}

TEST(TypedIdentifiers, CnieLettersAreFoldedToCapitals) {
  EXPECT_EQ(*typed_letters_and_digits("bk 123 456"), "BK123456");
  EXPECT_EQ(*typed_letters_and_digits("\xEF\xBC\xA2\xEF\xBD\x8B"
                                      "123456"),
            "BK123456");
  EXPECT_EQ(*typed_letters_and_digits("BK\xD9\xA1\xD9\xA2\xD9\xA3"
                                      "456"),
            "BK123456");
  EXPECT_FALSE(typed_letters_and_digits("BK"));        // no digit
  EXPECT_FALSE(typed_letters_and_digits("BK12_456"));  // a symbol
  EXPECT_FALSE(
      typed_letters_and_digits("\xC3\x89"
                               "K123456"));  // É is not a CNIE letter
}

}  // namespace
}  // namespace hub::identifiers
