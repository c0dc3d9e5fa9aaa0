// Partners' answers as partners really send them, end to end (issue 19): gzip or deflate when the
// hub accepts it, a decompression bomb, Retry-After as an HTTP-date; texts split by CDATA
// sections and comments; no-break spaces and bidi marks. The hub and the simulators are real
// processes over real mutual TLS.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <thread>

#include "support/hub_process.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

// A hub of its own for each test: a closed gate or a partner's coding must not leak into
// another test. Its breakers never open: each answer is seen as the partner gave it.
class PartnerHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<ts::SimProcess>();
    ts::HubOptions o;
    o.mappings = true;
    o.partners_yaml = ts::partners_for_sim(
        sim_->ports(),
        "    breaker: {failure_ratio: 0.5, window: 10, min_calls: 1000, open_ms: 1000, "
        "half_open_probes: 1}\n"
        "    retry: {max_attempts: 1, base_ms: 20, max_ms: 50}\n"
        "    max_response_bytes: 1000000\n",
        3000);
    o.exchange_yaml = ts::default_exchange_yaml(5000);
    hub_ = std::make_unique<ts::HubProcess>(o);
  }

  struct Answer {
    unsigned status = 0;
    rapidjson::Document body;
    std::string retry_after;
  };

  Answer person(const std::string& cnie) {
    return prefill("/v1/prefill/person",
                   R"({"cnie":")" + cnie + R"(","purpose":"IMMATRICULATION"})");
  }
  Answer prefill(const std::string& path, const std::string& body) {
    auto ex =
        ts::https_request(hub_->port("internal"), ts::client("agency"), "POST", path, body,
                          {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache"}});
    Answer a;
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return a;
    a.status = ex.response->result_int();
    a.body.Parse(ex.response->body().c_str());
    if (ex.response->count("Retry-After"))
      a.retry_after = std::string(ex.response->at("Retry-After"));
    return a;
  }
  static std::string str(const rapidjson::Value& root, const char* pointer) {
    const auto* v = rapidjson::Pointer(pointer).Get(root);
    return v && v->IsString() ? std::string(v->GetString()) : std::string();
  }
  static long num(const rapidjson::Value& root, const char* pointer) {
    const auto* v = rapidjson::Pointer(pointer).Get(root);
    return v && v->IsInt64() ? static_cast<long>(v->GetInt64()) : -1;
  }
  // Sets the same faults on every simulated partner.
  void faults(const std::string& json) {
    auto ex =
        ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "PUT",
                          "/_sim/faults?all=true", json, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(ex.response) << ex.error;
    ASSERT_EQ(ex.response->result_int(), 200u) << ex.response->body();
  }
  // The calls a partner received since the last reset.
  std::string calls(const std::string& partner, bool reset = false) {
    auto ex = ts::https_request(sim_->port(partner), ts::SimProcess::hub_client(partner),
                                reset ? "DELETE" : "GET", "/_sim/counters");
    return ex.response ? ex.response->body() : "";
  }
  double metric(const std::string& name, const std::vector<std::string>& needles) {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("admin"), "GET", "/metrics");
    return ex.response ? ts::metric_value(ex.response->body(), name, needles) : -1;
  }

  std::unique_ptr<ts::SimProcess> sim_;
  std::unique_ptr<ts::HubProcess> hub_;
};

class CodedAnswers : public PartnerHttp, public ::testing::WithParamInterface<std::string> {};

TEST_P(CodedAnswers, MapAsThePlainOnes) {
  auto plain = person("BK123456");
  ASSERT_EQ(plain.status, 200u);
  faults(R"({"encoding": ")" + GetParam() + R"("})");
  auto coded = person("BK123456");
  ASSERT_EQ(coded.status, 200u) << str(coded.body, "/partners/dgsn/error/message");
  EXPECT_EQ(str(coded.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(coded.body, "/partners/dgct/status"), "ok");
  EXPECT_TRUE(coded.body["record"] == plain.body["record"]) << "the coded answers map otherwise";
  EXPECT_EQ(str(coded.body, "/record/person/cnie"), "BK123456");
  // The simulators coded their answers because the hub said it reads that coding.
  const std::string coding = GetParam() == "gzip" ? "gzip" : "deflate";
  EXPECT_GE(metric("cnss_partner_decoded_answers_total", {"dgsn", coding}), 1);
  EXPECT_GE(metric("cnss_partner_decoded_answers_total", {"dgct", coding}), 1);
}

INSTANTIATE_TEST_SUITE_P(Codings, CodedAnswers,
                         ::testing::Values("gzip", "deflate", "deflate_raw"));

TEST_F(PartnerHttp, ADecompressionBombIsRefusedAsTooLarge) {
  faults(R"({"bomb_rate": 1})");
  auto a = person("BK123456");
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(str(a.body, "/partners/dgsn/error/code"), "malformed_response");
  EXPECT_EQ(str(a.body, "/partners/dgsn/error/detail"), "response_too_large");
  EXPECT_EQ(str(a.body, "/partners/dgct/error/detail"), "response_too_large");
  faults(R"({"bomb_rate": 0})");
  EXPECT_EQ(person("BK123456").status, 200u) << "the hub is well after the bomb";
}

class RetryAfterDates : public PartnerHttp, public ::testing::WithParamInterface<std::string> {};

// The issue's example: a 429 whose Retry-After is an HTTP-date 120 s ahead closes the gate for
// 120 s, not 1 s: the partner is not asked again before then.
TEST_P(RetryAfterDates, ADate120sAheadClosesTheGateFor120s) {
  faults(R"({"retry_after": ")" + GetParam() + R"(", "retry_after_s": 120})");
  auto first = person("AB321996");
  EXPECT_EQ(first.status, 429u);
  EXPECT_EQ(str(first.body, "/partners/dgsn/error/code"), "rate_limited");
  EXPECT_GE(num(first.body, "/partners/dgsn/retry_after_s"), 119);
  EXPECT_LE(num(first.body, "/partners/dgsn/retry_after_s"), 120);
  EXPECT_GE(std::stol(first.retry_after.empty() ? "0" : first.retry_after), 119);
  calls("dgsn", true);
  calls("dgct", true);
  std::this_thread::sleep_for(2s);  // well past the 1 s the hub used to wait
  auto next = person("BK123456");
  EXPECT_EQ(next.status, 429u);
  EXPECT_EQ(calls("dgsn"), R"({"total":0})") << "DGSN was asked again before its date";
  EXPECT_EQ(calls("dgct"), R"({"total":0})") << "DGCT was asked again before its date";
  EXPECT_GE(num(next.body, "/partners/dgsn/retry_after_s"), 110);
  EXPECT_LE(num(next.body, "/partners/dgsn/retry_after_s"), 118);
}

INSTANTIATE_TEST_SUITE_P(Forms, RetryAfterDates,
                         ::testing::Values("imf_fixdate", "rfc850", "asctime"));

TEST_F(PartnerHttp, TheGateOpensAtTheDate) {
  faults(R"({"retry_after": "imf_fixdate", "retry_after_s": 4})");
  EXPECT_EQ(person("AB321996").status, 429u);
  calls("dgsn", true);
  std::this_thread::sleep_for(2s);  // past the 1 s the hub used to wait, before the date
  EXPECT_EQ(person("BK123456").status, 429u);
  EXPECT_EQ(calls("dgsn"), R"({"total":0})");
  std::this_thread::sleep_for(2500ms);  // the date, to the second, and a margin
  auto after = person("BK123456");
  EXPECT_EQ(after.status, 200u);
  EXPECT_EQ(str(after.body, "/partners/dgsn/status"), "ok");
}

TEST_F(PartnerHttp, APastDateMeansNow) {
  faults(R"({"retry_after": "rfc850", "retry_after_s": -60})");
  EXPECT_EQ(person("AB321996").status, 429u);
  calls("dgsn", true);
  auto next = person("BK123456");
  EXPECT_EQ(next.status, 200u);
  EXPECT_EQ(str(next.body, "/partners/dgsn/status"), "ok");
  EXPECT_NE(calls("dgsn"), R"({"total":0})");
}

// Kind 2: an element's text in pieces (CDATA sections, comments) is read whole, from DGSN's SOAP
// and OMPIC's XML alike.
TEST_F(PartnerHttp, TextsSplitByCdataAndCommentsMapAsWholeTexts) {
  const std::string employer = R"({"ice":"001561191000066"})";
  auto plain_person = person("BK123456");
  auto plain_company = prefill("/v1/prefill/employer", employer);
  ASSERT_EQ(plain_person.status, 200u);
  ASSERT_EQ(plain_company.status, 200u);
  faults(R"({"split_text_rate": 1})");
  auto split_person = person("BK123456");
  auto split_company = prefill("/v1/prefill/employer", employer);
  ASSERT_EQ(split_person.status, 200u) << str(split_person.body, "/partners/dgsn/error/message");
  EXPECT_EQ(str(split_person.body, "/partners/dgsn/status"), "ok");
  EXPECT_TRUE(split_person.body["record"] == plain_person.body["record"]);
  EXPECT_EQ(str(split_person.body, "/record/person/last_name"),
            str(plain_person.body, "/record/person/last_name"));
  ASSERT_EQ(split_company.status, 200u) << str(split_company.body, "/partners/ompic/error/message");
  EXPECT_EQ(str(split_company.body, "/partners/ompic/status"), "ok");
  EXPECT_TRUE(split_company.body["record"]["company"] == plain_company.body["record"]["company"]);
  EXPECT_FALSE(str(split_company.body, "/record/company/name").empty());
}

// Kind 1: DGSN's no-break spaces and right-to-left marks are not a disagreement with DGCT's plain
// spelling, and are not what the hub hands on.
TEST_F(PartnerHttp, InvisibleMarksFromAPartnerAreNoConflict) {
  // A person whose family name has a space (EL AMRANI, AIT TALEB...), from the synthetic world.
  std::string cnie;
  Answer plain;
  for (int i = 0; i < 200 && cnie.empty(); ++i) {
    const std::string c = "BK" + std::to_string(123401 + i * 7);
    if (c.ends_with("000") || c.substr(5) >= "996") continue;
    plain = person(c);
    if (plain.status == 200 &&
        str(plain.body, "/record/person/last_name").find(' ') != std::string::npos)
      cnie = c;
  }
  ASSERT_FALSE(cnie.empty()) << "no family name with a space among the CNIEs tried";
  faults(R"({"invisible_marks_rate": 1})");
  // DGSN only: DGCT keeps its plain spelling.
  auto ex = ts::https_request(sim_->port("dgct"), ts::SimProcess::hub_client("dgct"), "PUT",
                              "/_sim/faults", R"({"invisible_marks_rate": 0})",
                              {{"Content-Type", "application/json"}});
  ASSERT_TRUE(ex.response);
  auto marked = person(cnie);
  ASSERT_EQ(marked.status, 200u);
  EXPECT_TRUE(marked.body["record"] == plain.body["record"])
      << "the record holds other text once DGSN adds invisible marks";
  EXPECT_TRUE(marked.body["conflicts"] == plain.body["conflicts"])
      << "invisible marks made a conflict: " << str(marked.body, "/conflicts/0/field");
  const std::string last = str(marked.body, "/record/person/last_name");
  EXPECT_EQ(last.find("\xC2\xA0"), std::string::npos);
  EXPECT_EQ(str(marked.body, "/record/person/last_name_ar").find("\xE2\x80\x8F"),
            std::string::npos);
}

}  // namespace
