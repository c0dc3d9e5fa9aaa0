// The partner API under agreements through the real hub process, over mutual TLS with the dev
// PKI's partner certificates, on SQLite and on PostgreSQL (issue 12, items 2 and 3;
// docs/partner-api.md): DGI's affiliation attestation in DGI's format holding exactly what
// dgi.md allows; a field outside a narrower agreement's mask absent; a partner without an
// agreement, a purpose outside the agreement and an expired agreement refused; the day's quota
// answered 429 with Retry-After; a batch of 1,000 answered identifier by identifier (1,001
// refused); a person's coverage; and every served answer listed in the employer's or the
// insured's disclosures. With odd input (docs/text.md): a batch body is read by the one JSON reader
// (a name twice, bytes that are not UTF-8, a lone surrogate refused with their code, never echoed
// back); a purpose stated twice differently is refused, never read as the first; a purpose header
// that is not text is refused with the text rule's code; none of them discloses anything. DGI's
// "employees declared last month" is the previous month's declaration only (dgi.md), and a
// declaration for a month to come is refused.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "hub/audit/digest.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/receipt.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/ids.hpp"
#include "hub/http/content_coding.hpp"
#include "hub/store/store.hpp"
#include "support/agreements.hpp"
#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using ts::Reply;
using ts::str;

namespace {

// dgi: DGI's agreement (dgi.md); ompic: a narrower mask and a small day quota; dgct: expired;
// anrc: coverage only.
const std::string kAgreements = ts::dgi_attestation_yaml({.per_second = 500,
                                                          .per_day = 100000,
                                                          .valid_until = "2099-12-31",
                                                          .purpose_header = "X-DGI-Motif"}) +
                                R"(  ompic_check:
    principal: ompic
    legal_basis: {text: "test", reference: T-1}
    purposes: [REGISTER_CHECK]
    resources:
      affiliation_attestation:
        fields: [affiliation_number, status, affiliated_on]
    quota: {per_second: 500, per_day: 3}
    valid_from: 2025-01-01
    valid_until: 2099-12-31
  dgct_old:
    principal: dgct
    legal_basis: {text: "test", reference: T-2}
    purposes: [CIVIL_CHECK]
    resources:
      affiliation_attestation:
        fields: [affiliation_number, status]
    quota: {per_second: 10, per_day: 1000}
    valid_from: 2024-01-01
    valid_until: 2025-12-31
  anrc_coverage:
    principal: anrc
    legal_basis: {text: "Loi 65-00 (AMO), RSU", reference: T-3}
    purposes: [AMO_TADAMON_ELIGIBILITY]
    resources:
      coverage:
        fields: [insured, category, status, amo_rights_open]
    quota: {per_second: 500, per_day: 100000}
    valid_from: 2025-01-01
    valid_until: 2099-12-31
)";

using Headers = std::vector<std::pair<std::string, std::string>>;

class PartnerApi : public ts::HubOnEngine {
 protected:
  void tune(ts::HubOptions& o) override { o.agreements_yaml = kAgreements; }

  Reply internal(const std::string& method, const std::string& target,
                 const std::string& body = "") {
    return ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("agency"), method,
                                          target, body, {{"Content-Type", "application/json"}}));
  }
  ts::Exchange pull(const std::string& who, const std::string& method, const std::string& target,
                    Headers h, const std::string& body = "") {
    h.emplace_back("Content-Type", "application/json");
    return ts::https_request(hub_->port("partners"), ts::client(who), method, target, body, h);
  }
  Reply attestation(const std::string& who, const std::string& ice, Headers h) {
    return ts::reply_of(pull(who, "GET", "/partner/v1/affiliation-attestations/" + ice, h));
  }

  // A new employer: {affiliation number, ICE}.
  std::pair<std::string, std::string> affiliate() {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::string ice = ts::random_ice(rng_());
      auto r = internal("POST", "/v1/employers", R"({"ice":")" + ice + R"("})");
      if (r.status == 201) return {str(r.body, "/affiliation_number"), ice};
      EXPECT_EQ(r.status, 422u) << r.raw;  // struck off in the synthetic world: another one
    }
    ADD_FAILURE() << "no employer could be affiliated";
    return {};
  }

  // The raw request as written: two lines of one header cannot be sent through https_request.
  ts::Exchange raw(const std::string& who, const std::string& request) {
    return ts::slow_request(hub_->port("partners"), ts::client(who), request, request.size(),
                            std::chrono::milliseconds(0), std::chrono::milliseconds(10000));
  }
  std::size_t disclosures_of(const std::string& affiliation) {
    auto d = internal("GET", "/v1/employers/" + affiliation + "/disclosures");
    EXPECT_EQ(d.status, 200u) << d.raw;
    return d.status == 200 ? d.body["disclosures"].Size() : 0;
  }

  std::mt19937_64 rng_{std::random_device{}()};
};

const Headers kVat = {{"X-Purpose", "VAT_REFUND"}};
const char* kBatch = "/partner/v1/affiliation-attestations/batch";

bool valid_utf8_json(const std::string& body) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  return !d.HasParseError();
}

TEST_P(PartnerApi, DgiAttestationInDgisFormatHoldingExactlyWhatDgiMdAllows) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  auto declared = internal("PUT", "/v1/employers/" + affiliation + "/declared-employees",
                           R"({"declared_employees": 42, "period": ")" + ts::month(-1) + R"("})");
  ASSERT_EQ(declared.status, 200u) << declared.raw;

  auto r = attestation("dgi", ice, kVat);
  ASSERT_EQ(r.status, 200u) << r.raw;
  std::set<std::string> keys;
  for (auto m = r.body.MemberBegin(); m != r.body.MemberEnd(); ++m)
    keys.insert(m->name.GetString());
  EXPECT_EQ(keys, (std::set<std::string>{"numeroAffiliation", "statut", "dateAffiliation",
                                         "effectifDeclareMoisPrecedent"}))
      << r.raw;
  EXPECT_EQ(str(r.body, "/numeroAffiliation"), affiliation);
  EXPECT_EQ(str(r.body, "/statut"), "AFFILIE_ACTIF");
  EXPECT_EQ(r.body["effectifDeclareMoisPrecedent"].GetInt(), 42);
  EXPECT_EQ(r.raw.find(ice), std::string::npos) << "not even the ICE DGI asked with";

  // DGI's own purpose header works as well as X-Purpose.
  EXPECT_EQ(attestation("dgi", ice, {{"X-DGI-Motif", "PUBLIC_PROCUREMENT"}}).status, 200u);
  auto unknown = attestation("dgi", ts::random_ice(rng_()), kVat);
  EXPECT_EQ(unknown.status, 404u) << unknown.raw;
  EXPECT_EQ(attestation("dgi", "12345", kVat).status, 400u);
}

// A client's X-Correlation-ID that holds a CNIE, or digits enough for a phone number or an ICE,
// is not kept: the hub answers, journals, records the disclosure and logs under its own id, and
// logs that it replaced the client's, without the value. An ordinary id is kept throughout (the
// test sees one where it looks).
TEST_P(PartnerApi, CorrelationIdsShapedLikePersonalIdentifiersAreReplaced) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::vector<std::string> leaky = {"XP123457-leak", "BK123456", "tel-06-12-34-56-78"};
  const std::vector<std::string> needles = {"XP123457", "BK123456", "06-12-34-56-78"};
  const std::string kept = "dgi-run.42";
  auto read_as = [&](const std::string& id) {
    Headers h = kVat;
    h.emplace_back("X-Correlation-ID", id);
    return pull("dgi", "GET", "/partner/v1/affiliation-attestations/" + ice, h);
  };
  for (const auto& id : leaky) {
    auto ex = read_as(id);
    ASSERT_TRUE(ex.response) << ex.error;
    EXPECT_EQ(ex.response->result_int(), 200u) << ex.response->body();
    const std::string echoed((*ex.response)["X-Correlation-ID"]);
    EXPECT_TRUE(hub::is_uuid(echoed)) << id << " answered as " << echoed;
    // An error answer names its correlation id in its body too.
    auto missing = ts::https_request(hub_->port("internal"), ts::client("agency"), "GET",
                                     "/v1/employers/0000000", "", {{"X-Correlation-ID", id}});
    ASSERT_TRUE(missing.response) << missing.error;
    EXPECT_EQ(missing.response->body().find(id), std::string::npos) << missing.response->body();
  }
  auto ok = read_as(kept);
  ASSERT_TRUE(ok.response) << ok.error;
  EXPECT_EQ(std::string((*ok.response)["X-Correlation-ID"]), kept);

  // The disclosures and the journal entries the employer's disclosures answer lists.
  auto d = internal("GET", "/v1/employers/" + affiliation + "/disclosures");
  ASSERT_EQ(d.status, 200u) << d.raw;
  ASSERT_GE(d.body["disclosures"].Size(), 4u) << d.raw;
  EXPECT_NE(d.raw.find(kept), std::string::npos) << d.raw;
  for (const auto& n : needles) EXPECT_EQ(d.raw.find(n), std::string::npos) << n << ": " << d.raw;

  // The hub's log: the access lines and everything else.
  const auto lines = hub_->process().lines();
  std::size_t replaced = 0;
  for (const auto& line : lines) {
    for (const auto& n : needles) EXPECT_EQ(line.find(n), std::string::npos) << line;
    replaced += line.find("client correlation id replaced") != std::string::npos &&
                line.find("personal_identifier") != std::string::npos;
  }
  EXPECT_EQ(replaced, 2 * leaky.size());
}

// Each answer to a partner's pull carries its journal receipt (issue 18): a single read in
// X-Journal-Receipt, each item of a batch in its "receipt"; the receipt names the entry that
// records exactly the body served.
TEST_P(PartnerApi, EachAnswerCarriesItsJournalReceipt) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  auto ex = pull("dgi", "GET", "/partner/v1/affiliation-attestations/" + ice, kVat);
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(ex.response->result_int(), 200) << ex.response->body();
  ASSERT_EQ(ex.response->count(hub::audit::kReceiptHeader), 1u) << "no receipt";
  auto receipt = hub::audit::parse_receipt(ex.response->at(hub::audit::kReceiptHeader));
  ASSERT_TRUE(receipt) << receipt.error().message;
  auto store = hub::store::open(db_->options());
  ASSERT_TRUE(store);
  std::optional<hub::store::JournalEntry> entry;
  ASSERT_TRUE((*store)->scan_journal(static_cast<std::int64_t>(receipt->leaf_index) + 1,
                                     [&](const hub::store::JournalEntry& e) {
                                       entry = e;
                                       return false;
                                     }));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->operation, "disclosure/dgi_attestation/affiliation_attestation");
  EXPECT_EQ(entry->response_sha256, hub::audit::sha256_hex(ex.response->body()));
  EXPECT_EQ(hub::audit::to_hex(hub::audit::journal_leaf_hash(*entry)),
            hub::audit::to_hex(receipt->leaf_hash));

  const std::string body =
      R"({"identifiers": [")" + ice + R"(", "12345", ")" + ts::random_ice(rng_()) + R"("]})";
  auto batch =
      ts::reply_of(pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch", kVat, body));
  ASSERT_EQ(batch.status, 200u) << batch.raw;
  const auto& results = batch.body["results"];
  ASSERT_EQ(results.Size(), 3u);
  ASSERT_TRUE(results[0].HasMember("receipt")) << batch.raw;
  EXPECT_FALSE(results[1].HasMember("receipt")) << "a refused identifier disclosed nothing";
  ASSERT_TRUE(results[2].HasMember("receipt")) << "a not-found answer is a disclosure too";
  EXPECT_NE(results[0]["receipt"]["index"].GetUint64(), results[2]["receipt"]["index"].GetUint64());
  EXPECT_GT(results[0]["receipt"]["index"].GetUint64(), receipt->leaf_index);
  EXPECT_EQ(std::string(results[0]["receipt"]["leaf_hash"].GetString()).size(), 64u);
}

TEST_P(PartnerApi, AFieldOutsideTheMaskIsAbsent) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_EQ(internal("PUT", "/v1/employers/" + affiliation + "/declared-employees",
                     R"({"declared_employees": 7, "period": ")" + ts::month(-1) + R"("})")
                .status,
            200u);
  // OMPIC has no view of its own: the hub's (cnss.affiliation_attestation), which would show the
  // figure, the ICE and the company's name if the mask let them through.
  auto r = attestation("ompic", ice, {{"X-Purpose", "REGISTER_CHECK"}});
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(str(r.body, "/affiliation_number"), affiliation);
  EXPECT_EQ(str(r.body, "/status"), "active");
  EXPECT_FALSE(r.body.HasMember("declared_employees_last_month")) << r.raw;
  EXPECT_FALSE(r.body.HasMember("company_name")) << r.raw;
  EXPECT_EQ(r.raw.find(ice), std::string::npos) << r.raw;
}

TEST_P(PartnerApi, RefusedWithoutAgreementPurposeOrValidity) {
  const auto [affiliation, ice] = affiliate();
  auto none = attestation("anrc", ice, kVat);
  EXPECT_EQ(none.status, 403u) << none.raw;
  EXPECT_EQ(str(none.body, "/error/code"), "no_agreement");
  auto no_purpose = attestation("dgi", ice, {});
  EXPECT_EQ(no_purpose.status, 403u) << no_purpose.raw;
  EXPECT_EQ(str(no_purpose.body, "/error/code"), "purpose_required");
  auto outside = attestation("dgi", ice, {{"X-Purpose", "MARKETING"}});
  EXPECT_EQ(outside.status, 403u) << outside.raw;
  EXPECT_EQ(str(outside.body, "/error/code"), "forbidden_purpose");
  auto expired = attestation("dgct", ice, {{"X-Purpose", "CIVIL_CHECK"}});
  EXPECT_EQ(expired.status, 403u) << expired.raw;
  EXPECT_EQ(str(expired.body, "/error/code"), "agreement_expired");
  // A CNSS agency's certificate is not even accepted on the partners' listener.
  EXPECT_NE(attestation("agency", ice, kVat).status, 200u);
}

// A batch larger than the whole day's quota (3) can never be served: 413 with its own code and
// the most a request may hold, nothing taken from the day; a batch that fits a day but not what is
// left of it gets 429 with Retry-After.
TEST_P(PartnerApi, TheDaysQuotaAnswers429WithRetryAfter) {
  const auto [affiliation, ice] = affiliate();
  const Headers h = {{"X-Purpose", "REGISTER_CHECK"}};
  const auto batch_of = [&](int n) {
    std::string body = R"({"identifiers": [)";
    for (int i = 0; i < n; ++i) body += std::string(i ? "," : "") + "\"" + ice + "\"";
    return ts::reply_of(pull("ompic", "POST", kBatch, h, body + "]}"));
  };
  auto never = batch_of(4);
  EXPECT_EQ(never.status, 413u) << never.raw;
  EXPECT_EQ(str(never.body, "/error/code"), "batch_exceeds_daily_quota");
  EXPECT_EQ(never.body["error"]["details"]["max_batch"].GetInt(), 3) << never.raw;
  EXPECT_EQ(never.body["error"]["details"]["per_day"].GetInt(), 3) << never.raw;
  EXPECT_EQ(disclosures_of(affiliation), 0u);

  ASSERT_EQ(attestation("ompic", ice, h).status, 200u);
  auto later = batch_of(3);
  EXPECT_EQ(later.status, 429u) << later.raw;
  EXPECT_EQ(str(later.body, "/error/code"), "quota_exceeded");
  for (int i = 0; i < 2; ++i) ASSERT_EQ(attestation("ompic", ice, h).status, 200u) << i;
  auto over = pull("ompic", "GET", "/partner/v1/affiliation-attestations/" + ice, h);
  ASSERT_TRUE(over.response);
  EXPECT_EQ(over.response->result_int(), 429u) << over.response->body();
  EXPECT_NE(over.response->body().find("quota_exceeded"), std::string::npos);
  const auto retry = (*over.response)[boost::beast::http::field::retry_after];
  ASSERT_FALSE(retry.empty());
  EXPECT_GT(std::stol(std::string(retry)), 3600) << "the day's window frees in about a day";
}

TEST_P(PartnerApi, ABatchOfAThousandAnsweredPerIdentifier) {
  const auto [affiliation, ice] = affiliate();
  std::string body = R"({"identifiers": [")" + ice + R"(", "12345")";
  std::set<std::string> unknown;
  while (unknown.size() < 998) unknown.insert(ts::random_ice(rng_()));
  for (const auto& u : unknown) body += ",\"" + u + "\"";
  body += "]}";
  auto ex = pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch", kVat, body);
  auto r = ts::reply_of(ex);
  ASSERT_EQ(r.status, 200u) << r.raw.substr(0, 400);
  ASSERT_EQ(r.body["results"].Size(), 1000u);
  EXPECT_EQ(str(r.body, "/results/0/identifier"), ice);
  EXPECT_EQ(r.body["results"][0]["status"].GetUint(), 200u);
  EXPECT_EQ(str(r.body, "/results/0/data/numeroAffiliation"), affiliation);
  EXPECT_EQ(r.body["results"][1]["status"].GetUint(), 400u);
  std::size_t not_found = 0;
  for (rapidjson::SizeType i = 2; i < 1000; ++i) {
    not_found += r.body["results"][i]["status"].GetUint() == 404u ? 1 : 0;
  }
  EXPECT_EQ(not_found, 998u);

  // One more is refused as a whole, with its own code.
  body.insert(body.size() - 2, ",\"" + ts::random_ice(rng_()) + "\"");
  auto too_many =
      ts::reply_of(pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch", kVat, body));
  EXPECT_EQ(too_many.status, 413u) << too_many.raw.substr(0, 400);
  EXPECT_EQ(str(too_many.body, "/error/code"), "batch_too_large");
}

TEST_P(PartnerApi, EveryServedAnswerIsInTheEmployersDisclosures) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_EQ(attestation("dgi", ice, kVat).status, 200u);
  ASSERT_EQ(attestation("ompic", ice, {{"X-Purpose", "REGISTER_CHECK"}}).status, 200u);
  ASSERT_EQ(ts::reply_of(pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch",
                              {{"X-Purpose", "PUBLIC_PROCUREMENT"}},
                              R"({"identifiers": [")" + ice + R"("]})"))
                .status,
            200u);
  // Refused requests disclose nothing.
  ASSERT_EQ(attestation("dgi", ice, {{"X-Purpose", "MARKETING"}}).status, 403u);

  auto d = internal("GET", "/v1/employers/" + affiliation + "/disclosures");
  ASSERT_EQ(d.status, 200u) << d.raw;
  ASSERT_EQ(d.body["disclosures"].Size(), 3u) << d.raw;
  // Newest first.
  EXPECT_EQ(str(d.body, "/disclosures/0/recipient"), "dgi");
  EXPECT_EQ(str(d.body, "/disclosures/0/purpose"), "PUBLIC_PROCUREMENT");
  EXPECT_EQ(str(d.body, "/disclosures/1/recipient"), "ompic");
  EXPECT_EQ(str(d.body, "/disclosures/1/agreement"), "ompic_check");
  EXPECT_EQ(d.body["disclosures"][1]["fields"].Size(), 3u) << d.raw;
  EXPECT_EQ(str(d.body, "/disclosures/2/agreement"), "dgi_attestation");
  EXPECT_EQ(str(d.body, "/disclosures/2/purpose"), "VAT_REFUND");
  EXPECT_EQ(str(d.body, "/disclosures/2/resource"), "affiliation_attestation");
  EXPECT_EQ(str(d.body, "/subject/identifier_masked").size(), ice.size());
  EXPECT_EQ(d.raw.find(ice), std::string::npos) << "the ICE only masked";
  // The hub's own exchanges about the company (OMPIC's and DGI's answers at affiliation).
  EXPECT_GE(d.body["exchanges"].Size(), 2u) << d.raw;
}

TEST_P(PartnerApi, CoverageOfAPersonAndTheInsuredsDisclosures) {
  std::string cnie, number;
  for (int attempt = 0; attempt < 10 && number.empty(); ++attempt) {
    cnie = ts::ordinary_cnie("XP", rng_());
    auto r = internal("POST", "/v1/insured", R"({"cnie":")" + cnie + R"(","category":"SALARIE"})");
    if (r.status == 201) number = str(r.body, "/immatriculation");
  }
  ASSERT_FALSE(number.empty());
  const Headers h = {{"X-Purpose", "AMO_TADAMON_ELIGIBILITY"}};
  auto r = ts::reply_of(pull("anrc", "GET", "/partner/v1/coverage/" + cnie, h));
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_TRUE(r.body["insured"].GetBool());
  EXPECT_EQ(str(r.body, "/category"), "SALARIE");
  EXPECT_EQ(str(r.body, "/status"), "ACTIVE");
  EXPECT_TRUE(r.body["amo_rights_open"].GetBool());
  EXPECT_EQ(r.raw.find(number), std::string::npos) << "never the immatriculation number";
  auto nobody = ts::reply_of(
      pull("anrc", "GET", "/partner/v1/coverage/" + ts::ordinary_cnie("XQ", rng_()), h));
  ASSERT_EQ(nobody.status, 200u) << nobody.raw;
  EXPECT_FALSE(nobody.body["insured"].GetBool());
  // DGI has no agreement for coverage.
  EXPECT_EQ(ts::reply_of(pull("dgi", "GET", "/partner/v1/coverage/" + cnie, kVat)).status, 403u);

  auto d = internal("GET", "/v1/insured/" + number + "/disclosures");
  ASSERT_EQ(d.status, 200u) << d.raw;
  ASSERT_EQ(d.body["disclosures"].Size(), 1u) << d.raw;
  EXPECT_EQ(str(d.body, "/disclosures/0/recipient"), "anrc");
  EXPECT_EQ(str(d.body, "/disclosures/0/purpose"), "AMO_TADAMON_ELIGIBILITY");
  EXPECT_EQ(str(d.body, "/disclosures/0/resource"), "coverage");
  EXPECT_GE(d.body["exchanges"].Size(), 1u) << "DGSN's identity at registration: " << d.raw;
  EXPECT_EQ(d.raw.find(cnie), std::string::npos) << "the CNIE only masked";
}

// The insured's portal (role insured_self, the dev PKI's insured-portal certificate) reads the
// disclosures of the insured person it names in X-On-Behalf-Of, and no other's.
TEST_P(PartnerApi, TheInsuredsPortalReadsOnlyTheDisclosuresOfThePersonItActsFor) {
  std::vector<std::string> numbers;
  for (int attempt = 0; attempt < 20 && numbers.size() < 2; ++attempt) {
    const std::string cnie = ts::ordinary_cnie("XS", rng_());
    auto r = internal("POST", "/v1/insured", R"({"cnie":")" + cnie + R"(","category":"SALARIE"})");
    if (r.status == 201) numbers.push_back(str(r.body, "/immatriculation"));
  }
  ASSERT_EQ(numbers.size(), 2u);
  auto portal = [&](const std::string& number, Headers h) {
    return ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("insured-portal"),
                                          "GET", "/v1/insured/" + number + "/disclosures", "", h));
  };
  const Headers as_first = {{"X-On-Behalf-Of", numbers[0]}};
  auto own = portal(numbers[0], as_first);
  ASSERT_EQ(own.status, 200u) << own.raw;
  EXPECT_GE(own.body["exchanges"].Size(), 1u) << own.raw;
  auto other = portal(numbers[1], as_first);
  EXPECT_EQ(other.status, 403u) << other.raw;
  EXPECT_EQ(str(other.body, "/error/code"), "not_own_record");
  auto anonymous = portal(numbers[0], {});
  EXPECT_EQ(anonymous.status, 403u) << anonymous.raw;
  EXPECT_EQ(str(anonymous.body, "/error/code"), "on_behalf_of_required");
  // The role opens nothing else: not an employer's disclosures, not the insured record itself.
  auto employer =
      ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("insured-portal"), "GET",
                                     "/v1/employers/1234567/disclosures", "", as_first));
  EXPECT_EQ(employer.status, 403u) << employer.raw;
  EXPECT_EQ(str(employer.body, "/error/code"), "forbidden");
  auto record = ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("insured-portal"),
                                               "GET", "/v1/insured/" + numbers[0], "", as_first));
  EXPECT_EQ(record.status, 403u) << record.raw;
  // An agent (role registration) reads anyone's, with no header.
  EXPECT_EQ(internal("GET", "/v1/insured/" + numbers[1] + "/disclosures").status, 200u);
}

// Partners' systems compress what they send (RFC 9110 section 8.4): a gzipped batch is read as
// the batch it is; a coding the hub does not read gets 415 with what it reads; a bomb stops at the
// body limit.
TEST_P(PartnerApi, ACompressedBatchIsReadDecoded) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string body = R"({"identifiers": [")" + ice + R"("]})";
  Headers gz = kVat;
  gz.emplace_back("Content-Encoding", "gzip");
  auto r = ts::reply_of(pull("dgi", "POST", kBatch, gz, hub::http::gzip(body)));
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(str(r.body, "/results/0/data/numeroAffiliation"), affiliation) << r.raw;

  Headers br = kVat;
  br.emplace_back("Content-Encoding", "br");
  auto refused = ts::reply_of(pull("dgi", "POST", kBatch, br, body));
  EXPECT_EQ(refused.status, 415u) << refused.raw;
  EXPECT_EQ(str(refused.body, "/error/code"), "unsupported_content_encoding");
  auto bomb = ts::reply_of(pull("dgi", "POST", kBatch, gz, hub::http::gzip_zeros(64u << 20)));
  EXPECT_EQ(bomb.status, 413u) << bomb.raw;
  EXPECT_EQ(str(bomb.body, "/error/code"), "body_too_large");
  // A transfer coding other than chunked is not read as the body (RFC 9112 section 6.1): 501,
  // never its gzip bytes handed to the route as JSON (was 400 invalid_utf8, or json_malformed).
  const std::string gzipped = hub::http::gzip(body);
  std::ostringstream raw;
  raw << "POST " << kBatch << " HTTP/1.1\r\nHost: localhost\r\nX-Purpose: VAT_REFUND\r\n"
      << "Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      << std::hex << gzipped.size() << "\r\n"
      << gzipped << "\r\n0\r\n\r\n";
  auto transfer =
      ts::reply_of(ts::slow_request(hub_->port("partners"), ts::client("dgi"), raw.str(), 1u << 20,
                                    std::chrono::milliseconds(0), std::chrono::seconds(10)));
  EXPECT_EQ(transfer.status, 501u) << transfer.raw;
  EXPECT_EQ(str(transfer.body, "/error/code"), "unsupported_transfer_encoding") << transfer.raw;
  EXPECT_EQ(disclosures_of(affiliation), 1u) << "only the decoded batch disclosed";
}

TEST_P(PartnerApi, ABatchBodyIsReadByTheOneJsonReader) {
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
    auto ex = pull("dgi", "POST", kBatch, kVat, c.body);
    ASSERT_TRUE(ex.response) << ex.error;
    const std::string body = ex.response->body();
    EXPECT_EQ(ex.response->result_int(), 400) << c.code << ": " << body;
    EXPECT_TRUE(valid_utf8_json(body)) << c.code << ": the error is JSON in UTF-8: " << body;
    auto r = ts::reply_of(ex);
    EXPECT_EQ(str(r.body, "/error/code"), c.code) << body;
  }
  EXPECT_NE(ts::reply_of(pull("dgi", "POST", kBatch, kVat, "identifiers=x")).raw.find("at byte"),
            std::string::npos)
      << "a syntax error says where";
  EXPECT_EQ(disclosures_of(affiliation), 0u) << "a refused batch discloses nothing";
}

TEST_P(PartnerApi, APurposeStatedTwiceDifferentlyIsRefused) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string target = "/partner/v1/affiliation-attestations/" + ice;
  // Two lines of X-Purpose are one list (RFC 9110 section 5.3): "VAT_REFUND, MARKETING".
  auto two_lines = raw("dgi", "GET " + target +
                                  " HTTP/1.1\r\nHost: localhost\r\nX-Purpose: VAT_REFUND\r\n"
                                  "X-Purpose: MARKETING\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(two_lines.response) << two_lines.error;
  EXPECT_EQ(two_lines.response->result_int(), 403) << two_lines.response->body();
  EXPECT_EQ(str(ts::reply_of(two_lines).body, "/error/code"), "forbidden_purpose");

  auto both = attestation("dgi", ice, {{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "MARKETING"}});
  EXPECT_EQ(both.status, 403u) << both.raw;
  EXPECT_EQ(str(both.body, "/error/code"), "forbidden_purpose");
  // The same purpose in both is one purpose.
  EXPECT_EQ(
      attestation("dgi", ice, {{"X-Purpose", "VAT_REFUND"}, {"X-DGI-Motif", "VAT_REFUND"}}).status,
      200u);
  EXPECT_EQ(disclosures_of(affiliation), 1u) << "only the admitted read disclosed";
}

TEST_P(PartnerApi, APurposeIsTextThroughTheEntryRule) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  // An invisible mark left by a form does not make the purpose another one.
  EXPECT_EQ(attestation("dgi", ice, {{"X-Purpose", "VAT_REFUND\u200b"}}).status, 200u);
  auto ex = pull("dgi", "GET", "/partner/v1/affiliation-attestations/" + ice,
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
TEST_P(PartnerApi, EmployeesDeclaredLastMonthIsThePreviousMonthsOnly) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string path = "/v1/employers/" + affiliation + "/declared-employees";
  auto older =
      internal("PUT", path, R"({"declared_employees": 42, "period": ")" + ts::month(-3) + R"("})");
  ASSERT_EQ(older.status, 200u) << older.raw;
  auto r = attestation("dgi", ice, kVat);
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
  r = attestation("dgi", ice, kVat);
  ASSERT_EQ(r.status, 200u) << r.raw;
  ASSERT_TRUE(r.body.HasMember("effectifDeclareMoisPrecedent")) << r.raw;
  EXPECT_EQ(r.body["effectifDeclareMoisPrecedent"].GetInt(), 17);
}

INSTANTIATE_TEST_SUITE_P(Engines, PartnerApi, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// journal.receipts: on_request: a read has its receipt when it asks (Prefer: receipt, RFC 7240),
// and is journaled all the same when it does not.
class PartnerApiReceiptsOnRequest : public PartnerApi {
 protected:
  void tune(ts::HubOptions& o) override {
    PartnerApi::tune(o);
    o.extra_yaml += "journal:\n  receipts: on_request\n";
  }
};

TEST_P(PartnerApiReceiptsOnRequest, AReadHasItsReceiptWhenItAsks) {
  const auto [affiliation, ice] = affiliate();
  ASSERT_FALSE(affiliation.empty());
  const std::string target = "/partner/v1/affiliation-attestations/" + ice;
  auto plain = pull("dgi", "GET", target, kVat);
  ASSERT_TRUE(plain.response);
  ASSERT_EQ(plain.response->result_int(), 200) << plain.response->body();
  EXPECT_EQ(plain.response->count(hub::audit::kReceiptHeader), 0u);
  EXPECT_EQ(plain.response->count("Preference-Applied"), 0u);
  Headers asking = kVat;
  asking.emplace_back("Prefer", "return=minimal, receipt");
  auto asked = pull("dgi", "GET", target, asking);
  ASSERT_TRUE(asked.response);
  ASSERT_EQ(asked.response->result_int(), 200) << asked.response->body();
  ASSERT_EQ(asked.response->count(hub::audit::kReceiptHeader), 1u);
  EXPECT_EQ(asked.response->at("Preference-Applied"), "receipt");
  // An identifier refused as malformed disclosed nothing: no receipt, and no claim of one.
  auto malformed =
      pull("dgi", "GET", "/partner/v1/affiliation-attestations/001561191000099", asking);
  ASSERT_TRUE(malformed.response);
  EXPECT_EQ(malformed.response->result_int(), 400) << malformed.response->body();
  EXPECT_EQ(malformed.response->count(hub::audit::kReceiptHeader), 0u);
  EXPECT_EQ(malformed.response->count("Preference-Applied"), 0u) << "claims a receipt it lacks";
  auto receipt = hub::audit::parse_receipt(asked.response->at(hub::audit::kReceiptHeader));
  ASSERT_TRUE(receipt) << receipt.error().message;
  // The read without a receipt was journaled all the same: it is the entry just before.
  auto store = hub::store::open(db_->options());
  ASSERT_TRUE(store);
  std::vector<hub::store::JournalEntry> entries;
  ASSERT_TRUE((*store)->scan_journal(static_cast<std::int64_t>(receipt->leaf_index),
                                     [&](const hub::store::JournalEntry& e) {
                                       entries.push_back(e);
                                       return entries.size() < 2;
                                     }));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].response_sha256, hub::audit::sha256_hex(plain.response->body()));
  const std::string body = R"({"identifiers": [")" + ice + R"("]})";
  auto batch =
      ts::reply_of(pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch", asking, body));
  ASSERT_EQ(batch.status, 200u) << batch.raw;
  EXPECT_TRUE(batch.body["results"][0].HasMember("receipt")) << batch.raw;
  auto quiet =
      ts::reply_of(pull("dgi", "POST", "/partner/v1/affiliation-attestations/batch", kVat, body));
  ASSERT_EQ(quiet.status, 200u) << quiet.raw;
  EXPECT_FALSE(quiet.body["results"][0].HasMember("receipt")) << quiet.raw;
}

INSTANTIATE_TEST_SUITE_P(Engines, PartnerApiReceiptsOnRequest,
                         ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
