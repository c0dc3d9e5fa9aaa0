// The identifier rules the simulators rely on, and the building blocks of determinism.
#include "sim/data/identifiers.hpp"
#include "sim/data/calendar.hpp"
#include "sim/data/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sim {
namespace {

TEST(Ice, ContractExamples) {
  EXPECT_TRUE(identifiers::valid_ice("001561191000066"));
  EXPECT_TRUE(identifiers::valid_ice("002136093000040"));
  EXPECT_FALSE(identifiers::valid_ice("001561191000065"));
  EXPECT_FALSE(identifiers::valid_ice("00156119100006"));
  EXPECT_FALSE(identifiers::valid_ice("00156119100006a"));
  EXPECT_EQ(make_ice(1561191, 0), "001561191000066");
  EXPECT_EQ(make_ice(2136093, 0), "002136093000040");
  EXPECT_EQ(ice_enterprise("001561191000066"), 1561191u);
}

TEST(Ice, MadeIcesAreValidForEveryEstablishment) {
  Rng r(1);
  for (int i = 0; i < 20000; ++i) {
    const std::string ice = make_ice(r.below(1000000000u), r.below(10000));
    ASSERT_TRUE(identifiers::valid_ice(ice)) << ice;
  }
}

TEST(Cnie, Form) {
  for (const char* ok : {"BK123456", "A98765", "A1", "ZZ999999", "AB000001"}) {
    EXPECT_TRUE(identifiers::valid_cnie(ok)) << ok;
  }
  for (const char* bad :
       {"", "B", "1234", "ABC1", "ab123", "AB1234567", "AB12 34", "AB-1234", "É1"}) {
    EXPECT_FALSE(identifiers::valid_cnie(bad)) << bad;
  }
  EXPECT_EQ(cnie_digits("BK123456"), "123456");
  EXPECT_EQ(dense_cnie_index("AA000000"), 0u);
  EXPECT_EQ(dense_cnie_index("ZZ999999"), kCnieDenseCount - 1);
  EXPECT_FALSE(dense_cnie_index("A123456").has_value());
  for (std::uint32_t i : {0u, 1u, 999999u, 1000000u, 123456789u, kCnieDenseCount - 1}) {
    EXPECT_EQ(dense_cnie_index(cnie_of_dense_index(i)), i);
  }
}

TEST(Reserved, Suffixes) {
  EXPECT_EQ(reserved_of("123000"), Reserved::not_found);
  EXPECT_EQ(reserved_of("999"), Reserved::internal_error);
  EXPECT_EQ(reserved_of("40123998"), Reserved::malformed);
  EXPECT_EQ(reserved_of("997"), Reserved::stall);
  EXPECT_EQ(reserved_of("12996"), Reserved::rate_limited);
  EXPECT_EQ(reserved_of("12995"), Reserved::none);
  EXPECT_EQ(reserved_of("00"), Reserved::none);
  EXPECT_EQ(reserved_of("1001"), Reserved::none);
}

TEST(FiscalId, SevenDigitsArePadded) {
  EXPECT_EQ(identifiers::left_padded_if("4012345"), "04012345");
  EXPECT_EQ(identifiers::left_padded_if("40123456"), "40123456");
  EXPECT_FALSE(identifiers::left_padded_if("123456789").has_value());
  EXPECT_FALSE(identifiers::left_padded_if("4012345a").has_value());
}

TEST(AffinePermutation, IsABijectionWithItsInverse) {
  for (std::uint64_t m : {10ull, 97ull, 1000ull, 4096ull, 65000ull}) {
    const AffinePermutation p(m, m * 31 + 7);
    std::set<std::uint64_t> images;
    for (std::uint64_t x = 0; x < m; ++x) {
      const std::uint64_t y = p.forward(x);
      ASSERT_LT(y, m);
      ASSERT_EQ(p.inverse(y), x);
      images.insert(y);
    }
    EXPECT_EQ(images.size(), m);
  }
  const AffinePermutation big(416000000ull, 5);
  for (std::uint64_t x : {0ull, 1ull, 123456789ull, 415999999ull}) {
    EXPECT_EQ(big.inverse(big.forward(x)), x);
  }
}

TEST(Hash, StableAcrossMachines) {
  // Fixed values: a change here changes every synthetic answer.
  EXPECT_EQ(stable_hash(""), mix64(0xcbf29ce484222325ULL));
  EXPECT_EQ(stable_hash("BK123456"), stable_hash(std::string("BK") + "123456"));
  EXPECT_NE(stable_hash("BK123456"), stable_hash("BK123457"));
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  Rng r(3);
  for (int i = 0; i < 10000; ++i) {
    const int v = r.between(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
  }
}

TEST(Calendar, DaysRoundTripAndFormats) {
  for (int n = -30000; n < 40000; n += 7) {
    const Date d = Date::from_days(n);
    ASSERT_EQ(d.days(), n);
  }
  EXPECT_EQ((Date{1970, 1, 1}.days()), 0);
  EXPECT_EQ((Date{2000, 3, 1}.days() - Date{2000, 2, 28}.days()), 2);
  EXPECT_EQ(iso(Date{1985, 3, 14}), "1985-03-14");
  EXPECT_EQ(dmy(Date{1985, 3, 14}), "14/03/1985");
  EXPECT_EQ((Date{2024, 2, 29}.plus_years(1)), (Date{2025, 2, 28}));
  EXPECT_EQ(age_on(Date{1985, 3, 14}, kReferenceDate), 41);
  EXPECT_EQ(age_on(Date{2008, 11, 28}, kReferenceDate), 17);
  EXPECT_EQ(age_on(Date{2008, 11, 27}, kReferenceDate), 18);
}

}  // namespace
}  // namespace sim
