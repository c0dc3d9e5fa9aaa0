// The agreements section: read with every problem's position, and checked against the canonical
// model.
#include <gtest/gtest.h>

#include <cstring>

#include "hub/agreements/mask.hpp"
#include "hub/config/agreements.hpp"
#include "model.hpp"

namespace {
using hub::config::parse_agreements;
using hub::config::Principal;

const std::vector<Principal> kPrincipals{{"dgi", "CN=dgi", "CN=DGI CA", "", {"partner"}}};

const char* kDgi = R"(dgi_attestation:
  principal: dgi
  legal_basis:
    text: "Convention CNSS-DGI, art. 3: attestation d'affiliation"
    reference: CNV-DGI-2024-017
  purposes: [VAT_REFUND, PUBLIC_PROCUREMENT]
  purpose_header: X-DGI-Motif
  resources:
    affiliation_attestation:
      fields: [affiliation_number, status, affiliated_on, declared_employees_last_month]
  quota: {per_second: 50, per_day: 200000}
  valid_from: 2025-01-01
  valid_until: 2027-12-31
)";

std::string all(const std::vector<hub::config::Problem>& ps) {
  std::string s;
  for (const auto& p : ps) s += p.to_string() + "\n";
  return s;
}

TEST(AgreementsSection, ReadsAnAgreement) {
  auto r = parse_agreements(kDgi, "put.yaml", kPrincipals);
  ASSERT_TRUE(r.problems.empty()) << all(r.problems);
  ASSERT_EQ(r.agreements.size(), 1u);
  const auto& a = r.agreements[0];
  EXPECT_EQ(a.name, "dgi_attestation");
  EXPECT_EQ(a.principal, "dgi");
  EXPECT_EQ(a.legal_basis.reference, "CNV-DGI-2024-017");
  EXPECT_TRUE(a.allows_purpose("VAT_REFUND"));
  EXPECT_FALSE(a.allows_purpose("MARKETING"));
  EXPECT_EQ(a.purpose_header, "X-DGI-Motif");
  EXPECT_EQ(a.quota.per_second, 50);
  EXPECT_EQ(a.quota.per_day, 200000u);
  EXPECT_EQ(hub::agreements::iso_day(a.valid_from), "2025-01-01");
  using namespace std::chrono;
  EXPECT_TRUE(a.in_force(sys_days{2027y / December / 31}));
  EXPECT_FALSE(a.in_force(sys_days{2028y / January / 1}));
  EXPECT_FALSE(a.in_force(sys_days{2024y / December / 31}));
  const auto* res = a.resource("affiliation_attestation");
  ASSERT_NE(res, nullptr);
  ASSERT_EQ(res->fields.size(), 4u);
  EXPECT_EQ(res->fields[1].path, "status");
  EXPECT_EQ(res->fields[1].where.line, 10);
  EXPECT_EQ(a.resource("coverage"), nullptr);
  EXPECT_TRUE(hub::agreements::check(r.agreements, agreements_test::model()).empty());
}

TEST(AgreementsSection, ReportsEveryProblemWithItsPosition) {
  auto r = parse_agreements(R"(bad:
  principal: nobody
  legal_basis: {text: x}
  purposes: []
  resources:
    coverage: {fields: []}
  quota: {per_second: 0, per_day: 10}
  valid_from: 2025-02-30
  valid_until: 2024-01-01
  colour: blue
)",
                            "put.yaml", kPrincipals);
  const std::string s = all(r.problems);
  EXPECT_NE(s.find("put.yaml:2:14: invalid_value: no principal named 'nobody'"), std::string::npos)
      << s;
  EXPECT_NE(
      s.find("missing_key: required key 'reference' is missing (at /bad/legal_basis/reference)"),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("at least one purpose"), std::string::npos) << s;
  EXPECT_NE(s.find("(at /bad/resources/coverage/fields)"), std::string::npos) << s;
  EXPECT_NE(s.find("/bad/quota/per_second"), std::string::npos) << s;
  EXPECT_NE(s.find("put.yaml:8:15: invalid_value: expected a date YYYY-MM-DD, got '2025-02-30'"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("put.yaml:10:3: unknown_key: unknown key 'colour'"), std::string::npos) << s;
}

// A purpose no header can carry (the partner could never state it) and a purpose header that is
// no HTTP field name are refused at their position, not stored unusable.
TEST(AgreementsSection, APurposeOrPurposeHeaderNoRequestCanCarryIsRefused) {
  std::string text = kDgi;
  text.replace(text.find("[VAT_REFUND, PUBLIC_PROCUREMENT]"), 32,
               R"([VAT_REFUND, " A ", "", "A, B", VAT_REFUND])");
  text.replace(text.find("X-DGI-Motif"), 11, "\"Motif DGI:\"");
  auto r = parse_agreements(text, "put.yaml", kPrincipals);
  const std::string s = all(r.problems);
  for (const char* at :
       {"/purposes/1)", "/purposes/2)", "/purposes/3)", "/purposes/4)", "/purpose_header)"}) {
    EXPECT_NE(s.find(at), std::string::npos) << at << "\n" << s;
  }
  EXPECT_EQ(s.find("/purposes/0)"), std::string::npos) << s;
  EXPECT_NE(s.find("put.yaml:6:"), std::string::npos) << "at the purpose's line: " << s;
  EXPECT_NE(s.find("'VAT_REFUND' is listed twice"), std::string::npos) << s;
}

TEST(AgreementsSection, ValidUntilBeforeValidFromIsRefused) {
  std::string text = kDgi;
  text.replace(text.find("2027-12-31"), 10, "2024-12-31");
  auto r = parse_agreements(text, "put.yaml", kPrincipals);
  EXPECT_NE(all(r.problems).find("valid_until is before valid_from"), std::string::npos);
}

TEST(AgreementsSection, MaskPathsAreCheckedAgainstTheCanonicalModel) {
  std::string text = kDgi;
  text.replace(text.find("affiliated_on"), 13, "afiliated_on");
  text += R"(  # a second resource, unknown
)";
  auto r = parse_agreements(text, "put.yaml", kPrincipals);
  ASSERT_TRUE(r.problems.empty()) << all(r.problems);
  r.agreements[0].resources.push_back({"payslips", {{"salary", {}}}, {"put.yaml", 20, 5, "/x"}});
  r.agreements[0].resources[0].fields.push_back({"employees/salry", {"put.yaml", 21, 7, "/y"}});
  const std::string s = all(hub::agreements::check(r.agreements, agreements_test::model()));
  EXPECT_NE(s.find("put.yaml:10:44: unknown_field: agreement 'dgi_attestation': 'afiliated_on' is "
                   "not a field of affiliation (did you mean 'affiliated_on'?)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("put.yaml:21:7: unknown_field: agreement 'dgi_attestation': 'salry' is not a "
                   "field of insured_person (did you mean 'salary'?)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("put.yaml:20:5: unknown_resource: agreement 'dgi_attestation': no resource "
                   "named 'payslips'"),
            std::string::npos)
      << s;
}

TEST(AgreementsSection, HubConfigurationCarriesItsAgreements) {
  std::string hub = R"(hub: {data_dir: data}
store: {engine: sqlite, path: data/hub.db}
listeners:
  - {name: partners, port: 9443, interfaces: [partner],
     tls: {certificate: s.crt, key: s.key, client_ca: [ca.crt]}}
principals:
  - {name: dgi, subject: "CN=dgi", roles: [partner]}
agreements:
)";
  std::string indented;
  for (std::size_t b = 0; b < std::strlen(kDgi);) {
    const auto e = std::string_view(kDgi).find('\n', b);
    indented += "  " + std::string(kDgi + b, kDgi + e + 1);
    b = e + 1;
  }
  auto r = hub::config::parse_hub_config(hub + indented, "hub.yaml", "/etc/cnss", false);
  ASSERT_TRUE(r.config) << all(r.problems);
  ASSERT_EQ(r.config->agreements.size(), 1u);
  EXPECT_EQ(r.config->agreements[0].resources[0].fields[0].where.path,
            "/agreements/dgi_attestation/resources/affiliation_attestation/fields/0");
}

}  // namespace
