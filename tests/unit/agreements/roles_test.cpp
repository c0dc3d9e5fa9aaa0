// An agreement's principal holds the role its resources are read with: `partner` for the partner
// API's, `feed` for the change feed's; otherwise principal_without_role at its `principal`.
#include <gtest/gtest.h>

#include "hub/agreements/roles.hpp"
#include "hub/config/agreements.hpp"

namespace {
using hub::config::Principal;

const std::vector<Principal> kPrincipals{
    {"dgi", "CN=dgi", "CN=DGI CA", "", {"partner", "attestation"}},
    {"agency", "CN=agency", "CN=CNSS CA", "", {"registration"}},
    {"stats", "CN=stats", "CN=CNSS CA", "", {"feed"}}};

std::vector<hub::config::Problem> problems_of(const std::string& principal,
                                              const std::string& resources) {
  const std::string yaml =
      "reads:\n  legal_basis: {text: t, reference: r}\n  principal: " + principal +
      "\n  purposes: [P]\n  resources:\n" + resources +
      "  quota: {per_second: 1, per_day: 10}\n"
      "  valid_from: 2025-01-01\n  valid_until: 2027-12-31\n";
  auto parsed = hub::config::parse_agreements(yaml, "conf/hub.yaml", kPrincipals);
  EXPECT_TRUE(parsed.problems.empty());
  return hub::agreements::check_roles(parsed.agreements, kPrincipals);
}

const char* kAttestation = "    affiliation_attestation: {fields: [status]}\n";
const char* kPerson = "    person: {fields: [last_name]}\n";

TEST(AgreementRoles, APrincipalWithoutThePartnerRoleIsRefusedAtItsPrincipal) {
  auto p = problems_of("agency", kAttestation);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].code, "principal_without_role");
  EXPECT_EQ(p[0].path, "/reads/principal");
  EXPECT_EQ(p[0].file, "conf/hub.yaml");
  EXPECT_EQ(p[0].line, 3);
  EXPECT_EQ(p[0].column, 14);
  EXPECT_NE(p[0].message.find("'partner'"), std::string::npos) << p[0].message;
}

TEST(AgreementRoles, EachResourceNeedsItsOwnRole) {
  EXPECT_TRUE(problems_of("dgi", kAttestation).empty());
  EXPECT_TRUE(problems_of("stats", kPerson).empty());
  auto feed_for_partner = problems_of("dgi", kPerson);
  ASSERT_EQ(feed_for_partner.size(), 1u);
  EXPECT_NE(feed_for_partner[0].message.find("'feed'"), std::string::npos);
  // Both missing: both said, once each.
  EXPECT_EQ(problems_of("agency", std::string(kAttestation) + kPerson).size(), 2u);
}

}  // namespace
