// The identifiers the registry takes and the numbers it issues.
#include <gtest/gtest.h>

#include <set>

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"

namespace hub::identifiers {
namespace {

// Every serial a Luhn one (a store that issued Luhn numbers up to the last serial).
constexpr std::int64_t kLuhnForAll = 99'999'999;

TEST(Identifiers, Cnie) {
  EXPECT_FALSE(cnie_problem("BK123456"));
  EXPECT_FALSE(cnie_problem("A98765"));
  EXPECT_FALSE(cnie_problem("A1"));
  EXPECT_TRUE(cnie_problem(""));
  EXPECT_TRUE(cnie_problem("ABC123"));
  EXPECT_TRUE(cnie_problem("bk123456"));
  EXPECT_TRUE(cnie_problem("BK1234567"));
  EXPECT_TRUE(cnie_problem("BK"));
  EXPECT_TRUE(cnie_problem("123456"));
}

TEST(Identifiers, IceModulo97) {
  EXPECT_FALSE(ice_problem("001561191000066"));
  EXPECT_FALSE(ice_problem("002136093000040"));
  EXPECT_EQ(*ice_problem("001561191000065"), "control digits do not match");
  EXPECT_EQ(*ice_problem("00156119100006"), "must be 15 digits");
  EXPECT_EQ(*ice_problem("00156119100006a"), "must be 15 digits");
}

TEST(Identifiers, RibModulo97) {
  EXPECT_FALSE(rib_problem("001810007800020110620318"));
  EXPECT_EQ(*rib_problem("001810007800020110620319"), "key does not match");
  EXPECT_EQ(*rib_problem("00181000780002011062031"), "must be 24 digits");
  EXPECT_EQ(*rib_problem("0018100078000201106203 8"), "must be 24 digits");
}

TEST(Identifiers, IssuedNumbersCarryALuhnDigitAndCatchOneTypo) {
  const auto n = immatriculation_number(1, CheckDigit::luhn);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 9u);
  EXPECT_EQ(n->substr(0, 8), "00000001");
  EXPECT_TRUE(valid_immatriculation(*n, kLuhnForAll));
  std::set<std::string> seen;
  for (std::int64_t s = 1; s <= 2000; ++s) {
    auto m = immatriculation_number(s * 7919, CheckDigit::luhn);
    ASSERT_TRUE(m);
    EXPECT_TRUE(valid_immatriculation(*m, kLuhnForAll));
    EXPECT_TRUE(seen.insert(*m).second);
    for (std::size_t i = 0; i < m->size(); ++i) {
      std::string typo = *m;
      typo[i] = static_cast<char>('0' + (typo[i] - '0' + 1) % 10);
      EXPECT_FALSE(valid_immatriculation(typo, kLuhnForAll)) << typo;
    }
  }
  EXPECT_FALSE(immatriculation_number(0));
  EXPECT_FALSE(immatriculation_number(100000000));
  const auto a = affiliation_number(42, CheckDigit::luhn);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 7u);
  EXPECT_TRUE(valid_affiliation(*a, kLuhnForAll));
  EXPECT_FALSE(valid_affiliation("1234567x"));
  EXPECT_FALSE(affiliation_number(1000000));
  EXPECT_EQ(luhn_digit("7992739871"), '3');  // the classic Luhn example
}

TEST(Identifiers, ContractExamples) {
  EXPECT_TRUE(valid_ice("001561191000066"));
  EXPECT_TRUE(valid_ice("002136093000040"));
  EXPECT_FALSE(valid_ice("001561191000065"));
  EXPECT_FALSE(valid_ice("00156119100006"));
  EXPECT_TRUE(valid_rib("001810007800020110620318"));
  EXPECT_FALSE(valid_rib("001810007800020110620317"));
  EXPECT_TRUE(valid_cnie("BK123456"));
  EXPECT_TRUE(valid_cnie("A98765"));
  EXPECT_FALSE(valid_cnie("ABC12345"));
  EXPECT_FALSE(valid_cnie("bk123456"));
  EXPECT_FALSE(valid_cnie("BK1234567"));
  EXPECT_TRUE(valid_if("40123456"));
  EXPECT_FALSE(valid_if("4012345"));  // 7 digits must be left-padded first
}

// Damm's digit catches every single-digit error and every adjacent transposition (Luhn misses
// 09 <-> 90: shown below), checked over every serial of a wide range, not by example.
TEST(Identifiers, DammCatchesEverySingleErrorAndAdjacentTransposition) {
  EXPECT_EQ(damm_digit("572"), '4');  // the example of Damm's own presentation
  for (std::int64_t serial = 1; serial <= 20000; serial += 7) {
    const auto n = *immatriculation_number(serial * 4999 % 100000000 + 1);
    ASSERT_TRUE(valid_immatriculation(n));
    for (std::size_t i = 0; i < n.size(); ++i) {
      for (char d = '0'; d <= '9'; ++d) {
        if (d == n[i]) continue;
        std::string typo = n;
        typo[i] = d;
        ASSERT_FALSE(valid_immatriculation(typo)) << n << " -> " << typo;
      }
      if (i + 1 < n.size() && n[i] != n[i + 1]) {
        std::string swapped = n;
        std::swap(swapped[i], swapped[i + 1]);
        ASSERT_FALSE(valid_immatriculation(swapped)) << n << " -> " << swapped;
      }
    }
  }
  // Luhn's blind spot: "09" and "90" give the same Luhn digit, so a swap goes unseen.
  EXPECT_EQ(luhn_digit("1234509"), luhn_digit("1234590"));
  EXPECT_NE(damm_digit("1234509"), damm_digit("1234590"));
}

// Numbers issued with Luhn before the switch stay readable; later ones are Damm's.
TEST(Identifiers, NumbersIssuedBeforeTheSwitchStayReadable) {
  const auto old_number = *immatriculation_number(1200, CheckDigit::luhn);
  const auto new_number = *immatriculation_number(1201, CheckDigit::damm);
  EXPECT_TRUE(valid_immatriculation(old_number, 1200));
  EXPECT_TRUE(valid_immatriculation(new_number, 1200));
  EXPECT_FALSE(valid_immatriculation(*immatriculation_number(1201, CheckDigit::luhn), 1200) &&
               luhn_digit("00001201") != damm_digit("00001201"));
  const auto old_affiliation = *affiliation_number(5, CheckDigit::luhn);
  EXPECT_TRUE(valid_affiliation(old_affiliation, 5));
  EXPECT_TRUE(valid_affiliation(*affiliation_number(6), 5));
}

TEST(Identifiers, RcAndIfForms) {
  EXPECT_TRUE(valid_rc("412345"));
  EXPECT_FALSE(valid_rc(""));
  EXPECT_FALSE(valid_rc("12345678901"));
  EXPECT_EQ(*left_padded_if("4012345"), "04012345");
  EXPECT_EQ(*left_padded_if("40123456"), "40123456");
  EXPECT_FALSE(left_padded_if("401234"));
  EXPECT_FALSE(left_padded_if("4012345a"));
  EXPECT_EQ(cnie_letters("BK123456"), "BK");
  EXPECT_EQ(cnie_digits("BK123456"), "123456");
  EXPECT_EQ(mod97("001810007800020110620318"), 0);
  EXPECT_EQ(mod97("001810007800020110620319"), 1);
}

}  // namespace
}  // namespace hub::identifiers
