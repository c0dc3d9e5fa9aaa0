// GET/PUT /admin/v1/agreements through the real hub process, over mutual TLS with the dev PKI's
// administrator certificate, on SQLite and on PostgreSQL: the configuration's agreements are
// seeded once, a valid set replaces them under If-Match and shows in the history, an invalid one
// is refused with every problem's position (a principal without the role `partner` among them), a
// stale one with 412, a non-administrator with 403;
// and a restart serves the stored set, not the configuration's.
#include <gtest/gtest.h>

#include "support/agreements.hpp"
#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using ts::Reply;
using ts::str;

namespace {

const std::string kSeed = ts::dgi_attestation_yaml(
    {.per_second = 50, .per_day = 200000, .valid_until = "2027-12-31", .purpose_header = ""});

const char* kNext = R"({"dgi_attestation": {"principal": "dgi",
  "legal_basis": {"text": "Convention CNSS-DGI, avenant 2", "reference": "CNV-DGI-2024-017/2"},
  "purposes": ["VAT_REFUND"],
  "resources": {"affiliation_attestation": {"fields": ["affiliation_number", "status"]}},
  "quota": {"per_second": 20, "per_day": 1000},
  "valid_from": "2025-01-01", "valid_until": "2028-12-31"}})";

class AgreementAdmin : public ts::HubOnEngine {
 protected:
  void tune(ts::HubOptions& o) override { o.agreements_yaml = kSeed; }
  Reply call(const std::string& who, const std::string& method, const std::string& target,
             const std::string& body = "", const std::string& if_match = "") {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
    if (!if_match.empty()) h.emplace_back("If-Match", if_match);
    h.emplace_back("X-Change-Reason", "avenant 2");
    return ts::reply_of(
        ts::https_request(hub_->port("internal"), ts::client(who), method, target, body, h));
  }
};

TEST_P(AgreementAdmin, SeededReplacedWithHistoryAndKeptAcrossARestart) {
  auto got = call("admin", "GET", "/admin/v1/agreements");
  ASSERT_EQ(got.status, 200u) << got.raw;
  EXPECT_EQ(got.body["version"].GetInt(), 1);
  EXPECT_EQ(str(got.body, "/agreements/dgi_attestation/legal_basis/reference"), "CNV-DGI-2024-017");

  auto missing = call("admin", "PUT", "/admin/v1/agreements", kNext);
  EXPECT_EQ(missing.status, 412u) << missing.raw;
  EXPECT_EQ(str(missing.body, "/error/code"), "if_match_required");

  auto put = call("admin", "PUT", "/admin/v1/agreements", kNext, "\"1\"");
  ASSERT_EQ(put.status, 200u) << put.raw;
  EXPECT_EQ(put.body["version"].GetInt(), 2);
  EXPECT_EQ(str(put.body, "/agreements/dgi_attestation/valid_until"), "2028-12-31");

  auto stale = call("admin", "PUT", "/admin/v1/agreements", kNext, "\"1\"");
  EXPECT_EQ(stale.status, 412u) << stale.raw;
  EXPECT_EQ(str(stale.body, "/error/code"), "stale_version");

  auto history = call("admin", "GET", "/admin/v1/agreements/history");
  ASSERT_EQ(history.status, 200u) << history.raw;
  ASSERT_EQ(history.body["versions"].Size(), 2u) << history.raw;
  EXPECT_EQ(str(history.body, "/versions/0/type"), "agreements.seeded");
  EXPECT_EQ(str(history.body, "/versions/1/type"), "agreements.replaced");
  EXPECT_EQ(str(history.body, "/versions/1/principal"), "hub-admin");
  EXPECT_EQ(str(history.body, "/versions/1/reason"), "avenant 2");

  // A restart serves the stored set: the configuration only seeds an empty store.
  hub_.reset();
  start();
  got = call("admin", "GET", "/admin/v1/agreements");
  ASSERT_EQ(got.status, 200u) << got.raw;
  EXPECT_EQ(got.body["version"].GetInt(), 2);
  EXPECT_EQ(str(got.body, "/agreements/dgi_attestation/legal_basis/reference"),
            "CNV-DGI-2024-017/2");
}

TEST_P(AgreementAdmin, AnInvalidSetIsRefusedWithEveryProblem) {
  std::string bad = kNext;
  bad.replace(bad.find("\"status\""), 8, "\"employees/salry\"");
  bad.replace(bad.find("2028-12-31"), 10, "2028-02-30");
  auto r = call("admin", "PUT", "/admin/v1/agreements", bad, "\"1\"");
  ASSERT_EQ(r.status, 400u) << r.raw;
  EXPECT_EQ(str(r.body, "/error/code"), "invalid_agreements");
  EXPECT_NE(r.raw.find("expected a date YYYY-MM-DD, got '2028-02-30'"), std::string::npos) << r.raw;
  bad.replace(bad.find("2028-02-30"), 10, "2028-02-28");
  r = call("admin", "PUT", "/admin/v1/agreements", bad, "\"1\"");
  ASSERT_EQ(r.status, 400u) << r.raw;
  EXPECT_NE(r.raw.find("did you mean 'salary'"), std::string::npos) << r.raw;
  EXPECT_NE(r.raw.find("\"line\":4"), std::string::npos) << "the problem's position: " << r.raw;
  // An agreement written twice under one name (JSON that readers read two ways) is refused, not
  // read as one of the two.
  std::string twice = kNext;
  twice.pop_back();  // the set's closing brace
  twice += ", " + std::string(kNext).substr(1);
  r = call("admin", "PUT", "/admin/v1/agreements", twice, "\"1\"");
  ASSERT_EQ(r.status, 400u) << r.raw;
  EXPECT_NE(r.raw.find("duplicate_key"), std::string::npos) << r.raw;
  auto got = call("admin", "GET", "/admin/v1/agreements");
  EXPECT_EQ(got.body["version"].GetInt(), 1) << "nothing stored";
}

// An agreement for a principal without the role its resources are read with could never be used:
// refused at validation, at the agreement's principal, and nothing stored.
TEST_P(AgreementAdmin, APrincipalWithoutThePartnerRoleIsRefused) {
  std::string bad = kNext;
  bad.replace(bad.find("\"dgi\""), 5, "\"agency-casa-anfa\"");  // roles: [registration]
  auto r = call("admin", "PUT", "/admin/v1/agreements", bad, "\"1\"");
  ASSERT_EQ(r.status, 400u) << r.raw;
  EXPECT_EQ(str(r.body, "/error/code"), "invalid_agreements");
  EXPECT_EQ(str(r.body, "/error/details/problems/0/code"), "principal_without_role") << r.raw;
  EXPECT_EQ(str(r.body, "/error/details/problems/0/path"), "/dgi_attestation/principal") << r.raw;
  EXPECT_EQ(r.body["error"]["details"]["problems"][0]["line"].GetInt(), 1) << r.raw;
  EXPECT_EQ(call("admin", "GET", "/admin/v1/agreements").body["version"].GetInt(), 1);
}

TEST_P(AgreementAdmin, OnlyAdministrators) {
  EXPECT_EQ(call("agency", "GET", "/admin/v1/agreements").status, 403u);
  EXPECT_EQ(call("agency", "PUT", "/admin/v1/agreements", kNext, "\"1\"").status, 403u);
}

INSTANTIATE_TEST_SUITE_P(Engines, AgreementAdmin, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
