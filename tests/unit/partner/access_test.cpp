// admit(): deny by default — no agreement, no purpose, a purpose outside the agreement, and an
// agreement out of its validity period are each refused with their own code; the agreement's
// own purpose header is read as well as X-Purpose.
#include <gtest/gtest.h>

#include <map>

#include "hub/partner/access.hpp"

namespace {
using namespace std::chrono;
using hub::Errc;
using hub::agreements::Agreement;
using hub::partner::admit;

Agreement dgi(std::string name = "dgi_attestation", sys_days until = sys_days{2028y / 12 / 31}) {
  Agreement a;
  a.name = std::move(name);
  a.principal = "dgi";
  a.purposes = {"VAT_REFUND", "PUBLIC_PROCUREMENT"};
  a.purpose_header = "X-DGI-Motif";
  a.resources.push_back({"affiliation_attestation", {{"status", {}}}, {}});
  a.valid_from = sys_days{2026y / 1 / 1};
  a.valid_until = until;
  return a;
}

hub::partner::HeaderLookup headers(std::map<std::string, std::string> h) {
  return [h = std::move(h)](std::string_view name) -> std::optional<std::string> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return it->second;
  };
}

const sys_days kToday{2026y / 12 / 1};

TEST(Admit, TheAgreementThatAllowsThePurposeToday) {
  const std::vector<Agreement> set{dgi()};
  auto a =
      admit(set, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}), kToday);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->agreement->name, "dgi_attestation");
  EXPECT_EQ(a->purpose, "VAT_REFUND");
  // The partner's own header works too.
  a = admit(set, "dgi", "affiliation_attestation", headers({{"X-DGI-Motif", "PUBLIC_PROCUREMENT"}}),
            kToday);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->purpose, "PUBLIC_PROCUREMENT");
}

TEST(Admit, NoAgreementForThePrincipalOrTheResource) {
  const std::vector<Agreement> set{dgi()};
  auto a = admit(set, "ompic", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}),
                 kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::forbidden);
  EXPECT_EQ(a.error().detail, "no_agreement");
  a = admit(set, "dgi", "coverage", headers({{"X-Purpose", "VAT_REFUND"}}), kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().detail, "no_agreement");
  a = admit({}, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}), kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().detail, "no_agreement");
}

TEST(Admit, PurposeMissingOrOutsideTheAgreement) {
  const std::vector<Agreement> set{dgi()};
  auto a = admit(set, "dgi", "affiliation_attestation", headers({}), kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::forbidden_purpose);
  EXPECT_EQ(a.error().detail, "purpose_required");
  EXPECT_NE(a.error().message.find("X-DGI-Motif"), std::string::npos) << a.error().message;
  a = admit(set, "dgi", "affiliation_attestation", headers({{"X-Purpose", "MARKETING"}}), kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::forbidden_purpose);
  EXPECT_EQ(a.error().detail, "forbidden_purpose");
}

TEST(Admit, OutOfItsValidityPeriod) {
  const std::vector<Agreement> expired{dgi("old", sys_days{2026y / 11 / 30})};
  auto a = admit(expired, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}),
                 kToday);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::forbidden);
  EXPECT_EQ(a.error().detail, "agreement_expired");
  // The last day is still in force.
  EXPECT_TRUE(admit(expired, "dgi", "affiliation_attestation",
                    headers({{"X-Purpose", "VAT_REFUND"}}), sys_days{2026y / 11 / 30}));
  // Not yet in force.
  EXPECT_EQ(admit(expired, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}),
                  sys_days{2025y / 12 / 31})
                .error()
                .detail,
            "agreement_not_in_force");
  // An expired agreement beside one in force: the one in force serves.
  const std::vector<Agreement> both{dgi("old", sys_days{2026y / 11 / 30}), dgi("new")};
  a = admit(both, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND"}}), kToday);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->agreement->name, "new");
}

}  // namespace
