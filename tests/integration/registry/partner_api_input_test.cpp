// What the partner API makes of odd input, through the real hub process over mutual TLS with the
// dev PKI's partner certificates, on SQLite and on PostgreSQL (docs/partner-api.md,
// docs/text.md): a batch body is read by the one JSON reader (a name twice, bytes that are not
// UTF-8, a lone surrogate refused with their code, never echoed back); a purpose stated twice
// differently (two X-Purpose lines, or X-Purpose and the partner's own header) is refused, never
// read as the first; a purpose header that is not text is refused with the text rule's code; none
// of them discloses anything. DGI's "employees declared last month" is the previous month's
// declaration only (dgi.md), and a declaration for a month to come is refused.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <random>

#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using ts::Reply;
using ts::str;

namespace {

const char* kAgreements = R"(  dgi_attestation:
    principal: dgi
    legal_basis: {text: "Convention CNSS-DGI, art. 3", reference: CNV-DGI-2024-017}
    purposes: [VAT_REFUND, PUBLIC_PROCUREMENT]
    purpose_header: X-DGI-Motif
    resources:
      affiliation_attestation:
        fields: [affiliation_number, status, affiliated_on, declared_employees_last_month]
    quota: {per_second: 500, per_day: 100000}
    valid_from: 2025-01-01
    valid_until: 2099-12-31
)";

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kVat = {{"X-Purpose", "VAT_REFUND"}};
const char* kBatch = "/partner/v1/affiliation-attestations/batch";

bool valid_utf8_json(const std::string& body) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  return !d.HasParseError();
}

class PartnerApiInput : public ts::HubOnEngine {
 protected:
  void tune(ts::HubOptions& o) override { o.agreements_yaml = kAgreements; }

  Reply internal(const std::string& method, const std::string& target,
                 const std::string& body = "") {
    return ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("agency"), method,
                                          target, body, {{"Content-Type", "application/json"}}));
  }
  ts::Exchange pull(const std::string& method, const std::string& target, Headers h,
                    const std::string& body = "") {
    h.emplace_back("Content-Type", "application/json");
    return ts::https_request(hub_->port("partners"), ts::client("dgi"), method, target, body, h);
  }
  Reply attestation(const std::string& ice, Headers h) {
    return ts::reply_of(pull("GET", "/partner/v1/affiliation-attestations/" + ice, h));
  }
  // The raw request as written: two lines of one header cannot be sent through https_request.
  ts::Exchange raw(const std::string& request) {
    return ts::slow_request(hub_->port("partners"), ts::client("dgi"), request, request.size(),
                            std::chrono::milliseconds(0), std::chrono::milliseconds(10000));
  }
  std::pair<std::string, std::string> affiliate() {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::string ice = ts::random_ice(rng_());
      auto r = internal("POST", "/v1/employers", R"({"ice":")" + ice + R"("})");
      if (r.status == 201) return {str(r.body, "/affiliation_number"), ice};
      EXPECT_EQ(r.status, 422u) << r.raw;
    }
    ADD_FAILURE() << "no employer could be affiliated";
    return {};
  }
  std::size_t disclosures_of(const std::string& affiliation) {
    auto d = internal("GET", "/v1/employers/" + affiliation + "/disclosures");
    EXPECT_EQ(d.status, 200u) << d.raw;
    return d.status == 200 ? d.body["disclosures"].Size() : 0;
  }

  std::mt19937_64 rng_{std::random_device{}()};
};

TEST_P(PartnerApiInput, ABatchBodyIsReadByTheOneJsonReader) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string other = ts::random_ice(rng_());
  struct Case {
    std::string body;
    std::string code;
  };
  const std::vector<Case> cases = {
      // Another reader would take the second list: the partner meant one of them.
      {R"({"identifiers": [")" + other + R"("], "identifiers": [")" + ice + R"("]})",
       "json_duplicate_key"},
      {R"({"identifiers": ["00156119100006)"
       "\xff"
       R"("]})",
       "invalid_utf8"},
      {R"({"identifiers": ["\ud800"]})", "json_lone_surrogate"},
      {R"({"identifiers": ["A\u0001"]})", "text_control_character"},
      {"identifiers=" + ice, "invalid_input"},
  };
  for (const auto& c : cases) {
    auto ex = pull("POST", kBatch, kVat, c.body);
    ASSERT_TRUE(ex.response) << ex.error;
    const std::string body = ex.response->body();
    EXPECT_EQ(ex.response->result_int(), 400) << c.code << ": " << body;
    EXPECT_TRUE(valid_utf8_json(body)) << c.code << ": the error is JSON in UTF-8: " << body;
    auto r = ts::reply_of(ex);
    EXPECT_EQ(str(r.body, "/error/code"), c.code) << body;
  }
  EXPECT_NE(ts::reply_of(pull("POST", kBatch, kVat, "identifiers=x")).raw.find("at byte"),
            std::string::npos)
      << "a syntax error says where";
  EXPECT_EQ(disclosures_of(affiliation), 0u) << "a refused batch discloses nothing";
}

TEST_P(PartnerApiInput, APurposeStatedTwiceDifferentlyIsRefused) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string target = "/partner/v1/affiliation-attestations/" + ice;
  // Two lines of X-Purpose are one list (RFC 9110 section 5.3): "VAT_REFUND, MARKETING".
  auto two_lines = raw("GET " + target +
                       " HTTP/1.1\r\nHost: localhost\r\nX-Purpose: VAT_REFUND\r\n"
                       "X-Purpose: MARKETING\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(two_lines.response) << two_lines.error;
  EXPECT_EQ(two_lines.response->result_int(), 403) << two_lines.response->body();
  EXPECT_EQ(str(ts::reply_of(two_lines).body, "/error/code"), "forbidden_purpose");

  auto both = attestation(ice, {{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "MARKETING"}});
  EXPECT_EQ(both.status, 403u) << both.raw;
  EXPECT_EQ(str(both.body, "/error/code"), "forbidden_purpose");
  // The same purpose in both is one purpose.
  EXPECT_EQ(attestation(ice, {{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "VAT_REFUND"}}).status,
            200u);
  EXPECT_EQ(disclosures_of(affiliation), 1u) << "only the admitted read disclosed";
}

TEST_P(PartnerApiInput, APurposeIsTextThroughTheEntryRule) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  // An invisible mark left by a form does not make the purpose another one.
  EXPECT_EQ(attestation(ice, {{"X-Purpose", "VAT_REFUND\u200b"}}).status, 200u);
  auto ex = pull("GET", "/partner/v1/affiliation-attestations/" + ice,
                 {{"X-Purpose", "VAT_REFUND\xff\xfe"}});
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 400) << ex.response->body();
  EXPECT_TRUE(valid_utf8_json(ex.response->body())) << "not echoed as it came";
  EXPECT_EQ(str(ts::reply_of(ex).body, "/error/code"), "invalid_utf8");
  auto d = internal("GET", "/v1/employers/" + affiliation + "/disclosures");
  ASSERT_EQ(d.status, 200u) << d.raw;
  ASSERT_EQ(d.body["disclosures"].Size(), 1u) << d.raw;
  EXPECT_EQ(str(d.body, "/disclosures/0/purpose"), "VAT_REFUND") << "recorded as the rule reads it";
}

// dgi.md: "the number of declared employees last month". A figure recorded for an earlier month
// is not last month's: DGI reads the key as unknown (absent), never an older month's figure.
TEST_P(PartnerApiInput, EmployeesDeclaredLastMonthIsThePreviousMonthsOnly) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string path = "/v1/employers/" + affiliation + "/declared-employees";
  auto older =
      internal("PUT", path, R"({"declared_employees": 42, "period": ")" + ts::month(-3) + R"("})");
  ASSERT_EQ(older.status, 200u) << older.raw;
  auto r = attestation(ice, kVat);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_FALSE(r.body.HasMember("effectifDeclareMoisPrecedent"))
      << "a declaration of three months ago is not last month's: " << r.raw;

  // A month to come is refused, and does not block the real declaration after it.
  auto future =
      internal("PUT", path, R"({"declared_employees": 9, "period": ")" + ts::month(2) + R"("})");
  EXPECT_EQ(future.status, 400u) << future.raw;
  EXPECT_NE(future.raw.find("/period"), std::string::npos) << future.raw;
  auto last =
      internal("PUT", path, R"({"declared_employees": 17, "period": ")" + ts::month(-1) + R"("})");
  ASSERT_EQ(last.status, 200u) << last.raw;
  r = attestation(ice, kVat);
  ASSERT_EQ(r.status, 200u) << r.raw;
  ASSERT_TRUE(r.body.HasMember("effectifDeclareMoisPrecedent")) << r.raw;
  EXPECT_EQ(r.body["effectifDeclareMoisPrecedent"].GetInt(), 17);
}

INSTANTIATE_TEST_SUITE_P(Engines, PartnerApiInput, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
