// When two texts say the same thing (hub/text/compare.hpp): the comparison the broker's conflicts
// and the registry's contradicts_source check use.
#include "hub/text/compare.hpp"

#include <gtest/gtest.h>

namespace hub::text {
namespace {

TEST(Compare, InvisibleDifferencesAreTheSameText) {
  EXPECT_TRUE(equivalent("EL\xc2\xa0OUAZZANI", "EL OUAZZANI"));  // NBSP
  EXPECT_TRUE(
      equivalent("EL\xe2\x80\xaf"
                 "OUAZZANI",
                 "EL OUAZZANI"));  // narrow NBSP
  EXPECT_TRUE(
      equivalent("\xe2\x80\x8f"
                 "EL OUAZZANI\xe2\x80\x8e",
                 "EL OUAZZANI"));                                             // RLM, LRM
  EXPECT_TRUE(equivalent("EL  OUAZZANI ", " EL OUAZZANI"));                   // runs and ends
  EXPECT_TRUE(equivalent("El Ouazzani", "EL OUAZZANI"));                      // case
  EXPECT_TRUE(equivalent("He\xcc\x81le\xcc\x80ne", "H\xc3\xa9l\xc3\xa8ne"));  // NFD and NFC
  EXPECT_TRUE(equivalent("\xef\xbc\xa5\xef\xbc\xac", "EL"));                  // fullwidth
  EXPECT_TRUE(equivalent("M\xe2\x80\x99HAMED", "M'HAMED"));                   // apostrophes
  EXPECT_TRUE(
      equivalent("Ben\xe2\x80\x90"
                 "Ali",
                 "Ben-Ali"));  // hyphens
}

TEST(Compare, ArabicAsWrittenAndAsTyped) {
  const std::string mohamed = "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf";  // محمد
  // Presentation forms (a PDF or a legacy system's output): ﻣﺤﻤﺪ
  EXPECT_TRUE(equivalent("\xef\xbb\xa3\xef\xba\xa4\xef\xbb\xa4\xef\xba\xaa", mohamed));
  // Tatweel (مـحمد) and harakat (مُحَمَّد) are optional in Arabic writing.
  EXPECT_TRUE(equivalent("\xd9\x85\xd9\x80\xd8\xad\xd9\x85\xd8\xaf", mohamed));
  EXPECT_TRUE(
      equivalent("\xd9\x85\xd9\x8f\xd8\xad\xd9\x8e\xd9\x85\xd9\x91\xd9\x8e\xd8\xaf", mohamed));
  // ZWNJ changes the letters' joining, not the name.
  EXPECT_TRUE(equivalent("\xd9\x85\xe2\x80\x8c\xd8\xad\xd9\x85\xd8\xaf", mohamed));
  // Hamza is a letter: أحمد is not احمد.
  EXPECT_FALSE(equivalent("\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf", "\xd8\xa7\xd8\xad\xd9\x85\xd8\xaf"));
  // Decomposed alef + hamza is the same letter.
  EXPECT_TRUE(
      equivalent("\xd8\xa7\xd9\x94\xd8\xad\xd9\x85\xd8\xaf", "\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf"));
}

TEST(Compare, VisibleDifferencesStayDifferent) {
  EXPECT_FALSE(equivalent("H\xc3\xa9l\xc3\xa8ne", "Helene"));  // accents are spelling
  EXPECT_FALSE(equivalent("EL OUAZZANI", "ELOUAZZANI"));
  EXPECT_FALSE(equivalent("EL OUAZZANI", "EL OUAZANI"));
  EXPECT_FALSE(equivalent("1985-03-14", "1985-03-15"));
}

TEST(Compare, TheKeyIsStable) {
  EXPECT_EQ(comparison_key("  El\xc2\xa0\xc2\xa0Ouazzani\n"), "el ouazzani");
  EXPECT_EQ(comparison_key(comparison_key("Stra\xc3\x9f"
                                          "e")),
            comparison_key("STRASSE"));
}

}  // namespace
}  // namespace hub::text
