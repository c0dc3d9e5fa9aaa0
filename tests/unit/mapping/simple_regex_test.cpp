// SimpleRegex must answer exactly as std::regex_match (ECMAScript) for every pattern it accepts:
// checked on hand-picked and generated inputs against std::regex itself.
#include "hub/mapping/simple_regex.hpp"

// GCC 12 with the sanitizers reports a false -Wmaybe-uninitialized inside std::regex's automaton
// (std::function moved out of a temporary state); this file instantiates std::regex on purpose.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace hub::mapping {
namespace {

const char* const kAccepted[] = {
    R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$)",
    R"(^[A-Z]{1,2}[0-9]{1,6}$)",
    R"([0-9]{15})",
    R"(\d{2}/\d{2}/\d{4})",
    R"(^(?:[A-Z]{2}-)?\d+$)",
    R"(a.c)",
    R"([^0-9]+)",
    R"(x*y*z?)",
    R"((ab){2,3})",
    R"([a-cx-z_\-\.]+@[\w]+\.ma)",
    R"(\w+\W\w+)",
    R"(\D\d?)",
    R"(a{2,}b{0,1})",
    R"((a?)?b)",
    R"(\+212[0-9]{9})",
    R"(\t\\\/)",
};

const char* const kRefused[] = {
    "a|b",       "(?=a)b", R"(\s+)", R"((a)\1)", "a*?",   "a{2}{3}", "(a*)*", "[[:alpha:]]",
    "[a-]",      "é+",     "a$b",    "a^",       "(a+)+", "[]",      "{2}",   "\\b",
    "(a){1,20}", "a{3,2}", "[z-a]",  "(",        ")",     "[abc",    "a\\",   "(?!a)",
};

std::string random_text(std::mt19937& rng, std::size_t max_len) {
  static const std::string alphabet = "0123456789-:TZ.abcxyzAB_@/+\n\t é";
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t n = len(rng); n; --n) s += alphabet[pick(rng)];
  return s;
}

TEST(SimpleRegex, RefusesWhatItDoesNotHandle) {
  for (const char* p : kRefused) EXPECT_FALSE(SimpleRegex::compile(p)) << p;
}

TEST(SimpleRegex, AgreesWithStdRegex) {
  std::mt19937 rng(42);
  for (const char* p : kAccepted) {
    auto simple = SimpleRegex::compile(p);
    ASSERT_TRUE(simple) << p;
    const std::regex re(p, std::regex::ECMAScript | std::regex::optimize);
    std::vector<std::string> inputs = {"",
                                       "2026-10-02T09:14:00Z",
                                       "2026-10-02T09:14:00.123Z",
                                       "2026-10-02T09:14:00.Z",
                                       "2026-10-02 09:14:00Z",
                                       "BK123456",
                                       "B1",
                                       "001561191000066",
                                       "14/03/1985",
                                       "AB-12",
                                       "12",
                                       "abc",
                                       "a\nc",
                                       "xxyyz",
                                       "abab",
                                       "ababab",
                                       "abababab",
                                       "a_b.-c@x9.ma",
                                       "aab",
                                       "ab",
                                       "b",
                                       "+212612345678",
                                       "\t\\/"};
    for (int i = 0; i < 3000; ++i) inputs.push_back(random_text(rng, 24));
    for (const auto& s : inputs)
      EXPECT_EQ(simple->full_match(s), std::regex_match(s, re)) << p << " on '" << s << "'";
  }
}

}  // namespace
}  // namespace hub::mapping
