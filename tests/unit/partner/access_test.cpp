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

// The purpose is text that enters the hub (docs/text.md): read through the entry rule, so a
// decomposed accent or an invisible mark does not make a listed purpose unknown, and bytes that
// are not text are refused with the rule's code (never echoed into a JSON error as they came).
TEST(Admit, ThePurposeIsReadThroughTheTextRule) {
  Agreement a = dgi();
  a.purposes.push_back("CONTR\u00d4LE");  // as stored: NFC
  const std::vector<Agreement> set{a};
  auto r = admit(set, "dgi", "affiliation_attestation", headers({{"X-Purpose", "CONTRO\u0302LE"}}),
                 kToday);  // NFD
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->purpose, "CONTR\u00d4LE");
  r = admit(set, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT_REFUND\u200b"}}),
            kToday);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->purpose, "VAT_REFUND");
  r = admit(set, "dgi", "affiliation_attestation", headers({{"X-Purpose", "VAT\xff"}}), kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_EQ(r.error().detail, "invalid_utf8");
  EXPECT_EQ(r.error().message.find('\xff'), std::string::npos) << "not echoed";
  r = admit(set, "dgi", "affiliation_attestation",
            headers({{"X-DGI-Motif",
                      "A\x07"
                      "B"}}),
            kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "text_control_character");
}

// Two headers that state different purposes are refused: the disclosure would be recorded under
// one of them while the partner also said the other. The same purpose twice is one purpose.
TEST(Admit, TwoDifferentPurposesAreRefused) {
  const std::vector<Agreement> set{dgi()};
  auto r = admit(set, "dgi", "affiliation_attestation",
                 headers({{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "MARKETING"}}), kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::forbidden_purpose);
  EXPECT_EQ(r.error().detail, "forbidden_purpose");
  EXPECT_NE(r.error().message.find("X-DGI-Motif"), std::string::npos) << r.error().message;
  r = admit(set, "dgi", "affiliation_attestation",
            headers({{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "VAT_REFUND"}}), kToday);
  ASSERT_TRUE(r) << r.error().message;
  // X-Purpose sent on two lines reaches admit() as one list (RFC 9110 section 5.3).
  r = admit(set, "dgi", "affiliation_attestation",
            headers({{"X-Purpose", "VAT_REFUND, MARKETING"}}), kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "forbidden_purpose");
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
