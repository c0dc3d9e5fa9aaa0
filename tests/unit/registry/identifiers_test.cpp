// The identifiers the registry takes and the numbers it issues.
#include <gtest/gtest.h>

#include <set>

#include "hub/registry/identifiers.hpp"

namespace hub::registry {
namespace {

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
  const auto n = immatriculation_number(1);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 9u);
  EXPECT_EQ(n->substr(0, 8), "00000001");
  EXPECT_TRUE(valid_immatriculation(*n));
  std::set<std::string> seen;
  for (std::int64_t s = 1; s <= 2000; ++s) {
    auto m = immatriculation_number(s * 7919);
    ASSERT_TRUE(m);
    EXPECT_TRUE(valid_immatriculation(*m));
    EXPECT_TRUE(seen.insert(*m).second);
    for (std::size_t i = 0; i < m->size(); ++i) {
      std::string typo = *m;
      typo[i] = static_cast<char>('0' + (typo[i] - '0' + 1) % 10);
      EXPECT_FALSE(valid_immatriculation(typo)) << typo;
    }
  }
  EXPECT_FALSE(immatriculation_number(0));
  EXPECT_FALSE(immatriculation_number(100000000));
  const auto a = affiliation_number(42);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 7u);
  EXPECT_TRUE(valid_affiliation(*a));
  EXPECT_FALSE(valid_affiliation("1234567x"));
  EXPECT_FALSE(affiliation_number(1000000));
  EXPECT_EQ(luhn_digit("7992739871"), '3');  // the classic Luhn example
}

}  // namespace
}  // namespace hub::registry
