// The partner simulators as a real process over real mutual TLS: who may call each one, the
// reserved identifiers, the control endpoint (faults, counters), DGI's quota and ANRC's purpose.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <thread>

#include "support/pki.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

const std::vector<std::pair<std::string, std::string>> kMotif = {
    {"X-Motif", "IMMATRICULATION"}, {"X-Correlation-ID", "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10"}};

std::string soap_request(const std::string& cnie, const std::string& motif = "IMMATRICULATION") {
  return R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
         R"(xmlns:cnie="urn:ma:dgsn:cnie:v2"><soapenv:Header><cnie:Demandeur>)"
         R"(<cnie:Organisme>CNSS</cnie:Organisme><cnie:Motif>)" +
         motif +
         R"(</cnie:Motif><cnie:Reference>0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10)"
         R"(</cnie:Reference></cnie:Demandeur></soapenv:Header><soapenv:Body>)"
         R"(<cnie:ConsulterCitoyen><cnie:NumeroCNIE>)" +
         cnie + R"(</cnie:NumeroCNIE></cnie:ConsulterCitoyen></soapenv:Body></soapenv:Envelope>)";
}

bool json_parses(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  return !d.HasParseError();
}

class Simulators : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new ts::SimProcess(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  static ts::Exchange dgct(const std::string& cnie,
                           ts::ClientSetup s = ts::SimProcess::hub_client("dgct")) {
    return ts::https_request(sim_->port("dgct"), s, "GET",
                             "/api/etat-civil/v1/personnes/" + cnie + "/famille", "", kMotif);
  }
  static ts::Exchange control(const std::string& partner, const std::string& method,
                              const std::string& target, const std::string& body = "") {
    return ts::https_request(sim_->port(partner), ts::SimProcess::hub_client(partner), method,
                             target, body, {{"Content-Type", "application/json"}});
  }
  static ts::SimProcess* sim_;
};
ts::SimProcess* Simulators::sim_ = nullptr;

TEST_F(Simulators, EachPartnerAcceptsOnlyClientsOfItsOwnCa) {
  for (const std::string p : {"dgsn", "dgct", "ompic", "dgi", "anrc"}) {
    // The hub's certificate for another partner is from another CA: refused.
    const std::string other = p == "dgsn" ? "dgct" : "dgsn";
    ts::ClientSetup wrong = ts::SimProcess::hub_client(other);
    wrong.ca = ts::pki("ca/" + p + ".crt");
    auto refused = ts::https_request(sim_->port(p), wrong, "GET", "/_sim/counters");
    EXPECT_FALSE(refused.response) << p << " served a client certificate from " << other << "'s CA";
    auto ok =
        ts::https_request(sim_->port(p), ts::SimProcess::hub_client(p), "GET", "/_sim/counters");
    ASSERT_TRUE(ok.response) << p << ": " << ok.error;
    EXPECT_EQ(ok.response->result_int(), 200);
  }
}

TEST_F(Simulators, DgsnAnswersTheContractOverTls) {
  auto ex = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "POST",
                              "/ws/cnie/v2", soap_request("BK123456"),
                              {{"Content-Type", "text/xml; charset=utf-8"},
                               {"SOAPAction", "\"urn:ma:dgsn:cnie:v2#ConsulterCitoyen\""}});
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 200);
  EXPECT_NE(ex.response->body().find("urn:ma:dgsn:cnie:v2"), std::string::npos);
  EXPECT_NE(ex.response->body().find("BK123456"), std::string::npos);
  // The same identifier gives the same answer.
  auto again = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "POST",
                                 "/ws/cnie/v2", soap_request("BK123456"),
                                 {{"Content-Type", "text/xml; charset=utf-8"}});
  ASSERT_TRUE(again.response);
  EXPECT_EQ(again.response->body(), ex.response->body());
  auto forbidden = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "POST",
                                     "/ws/cnie/v2", soap_request("BK123456", "CURIOSITE"),
                                     {{"Content-Type", "text/xml; charset=utf-8"}});
  ASSERT_TRUE(forbidden.response);
  EXPECT_EQ(forbidden.response->result_int(), 500);
  EXPECT_NE(forbidden.response->body().find("MOTIF_NON_AUTORISE"), std::string::npos);
}

TEST_F(Simulators, AnrcAnswersTheContractOverTls) {
  const std::string correlation = "5b0c7e52-1f0e-4a3b-9a8e-3c2d1b0a9f87";
  auto household = [&](const std::string& cnie, const std::string& finalite) {
    std::vector<std::pair<std::string, std::string>> h = {{"X-Correlation-ID", correlation}};
    if (!finalite.empty()) h.emplace_back("X-Finalite", finalite);
    return ts::https_request(sim_->port("anrc"), ts::SimProcess::hub_client("anrc"), "GET",
                             "/rsu/api/v1/menages?cnie=" + cnie, "", h);
  };
  ASSERT_TRUE(control("anrc", "DELETE", "/_sim/counters").response);
  auto ok = household("BK123456", "AMO_TADAMON");
  ASSERT_TRUE(ok.response) << ok.error;
  EXPECT_EQ(ok.response->result_int(), 200);
  EXPECT_EQ(ok.response->at("Content-Type"), "application/json");
  EXPECT_EQ(ok.response->at("X-Correlation-ID"), correlation);
  EXPECT_NE(ok.response->body().find("\"BK123456\""), std::string::npos);
  EXPECT_NE(ok.response->body().find("AMO_TADAMON"), std::string::npos);
  auto again = household("BK123456", "CONTROLE");
  ASSERT_TRUE(again.response);
  EXPECT_EQ(again.response->body(), ok.response->body());

  for (const std::string finalite : {"", "IMMATRICULATION"}) {
    auto refused = household("BK123456", finalite);
    ASSERT_TRUE(refused.response);
    EXPECT_EQ(refused.response->result_int(), 403) << finalite;
    EXPECT_NE(refused.response->body().find("FINALITE_NON_AUTORISEE"), std::string::npos);
  }
  auto none = household("EE515151", "AMO_TADAMON");
  ASSERT_TRUE(none.response);
  EXPECT_EQ(none.response->result_int(), 404);
  EXPECT_NE(none.response->body().find("NON_INSCRIT"), std::string::npos);
  auto reserved = household("AB123000", "AMO_TADAMON");
  ASSERT_TRUE(reserved.response);
  EXPECT_EQ(reserved.response->result_int(), 404);
  auto error = household("AB123999", "AMO_TADAMON");
  ASSERT_TRUE(error.response);
  EXPECT_EQ(error.response->result_int(), 500);
  auto cut = household("AB123998", "AMO_TADAMON");
  ASSERT_TRUE(cut.response);
  EXPECT_EQ(cut.response->result_int(), 200);
  EXPECT_FALSE(json_parses(cut.response->body()));
  auto quota = household("AB123996", "AMO_TADAMON");
  ASSERT_TRUE(quota.response);
  EXPECT_EQ(quota.response->result_int(), 429);
  EXPECT_EQ(quota.response->at("Retry-After"), "1");
  auto invalid = household("12345", "AMO_TADAMON");
  ASSERT_TRUE(invalid.response);
  EXPECT_EQ(invalid.response->result_int(), 400);
  EXPECT_NE(invalid.response->body().find("CNIE_INVALIDE"), std::string::npos);

  auto counted = control("anrc", "GET", "/_sim/counters?id=BK123456");
  ASSERT_TRUE(counted.response);
  EXPECT_EQ(counted.response->body(), R"({"count":4})");
  // Injected errors are ANRC's own 503.
  ASSERT_TRUE(control("anrc", "PUT", "/_sim/faults", R"({"error_rate": 1.0})").response);
  auto injected = household("BK123456", "AMO_TADAMON");
  ASSERT_TRUE(control("anrc", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  ASSERT_TRUE(injected.response);
  EXPECT_EQ(injected.response->result_int(), 503);
  EXPECT_NE(injected.response->body().find("INDISPONIBLE"), std::string::npos);
}

TEST_F(Simulators, ReservedIdentifiers) {
  auto nf = dgct("BK123000");
  ASSERT_TRUE(nf.response) << nf.error;
  EXPECT_EQ(nf.response->result_int(), 404);
  EXPECT_NE(nf.response->body().find("PERSONNE_INCONNUE"), std::string::npos);

  auto err = dgct("BK123999");
  ASSERT_TRUE(err.response);
  EXPECT_EQ(err.response->result_int() / 100, 5);

  auto bad = dgct("BK123998");
  ASSERT_TRUE(bad.response);
  EXPECT_EQ(bad.response->result_int(), 200);
  EXPECT_FALSE(json_parses(bad.response->body())) << "a malformed body parsed";
  EXPECT_TRUE(json_parses(dgct("BK123456").response->body()));

  auto quota = dgct("BK123996");
  ASSERT_TRUE(quota.response);
  EXPECT_EQ(quota.response->result_int(), 429);
  EXPECT_EQ(quota.response->at("Retry-After"), "1");

  ts::ClientSetup impatient = ts::SimProcess::hub_client("dgct");
  impatient.timeout = std::chrono::milliseconds(1500);
  const auto t0 = std::chrono::steady_clock::now();
  auto stalled = dgct("BK123997", impatient);
  EXPECT_FALSE(stalled.response) << "the 997 identifier answered at once";
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1400));

  auto invalid = dgct("123456");
  ASSERT_TRUE(invalid.response);
  EXPECT_EQ(invalid.response->result_int(), 400);
  EXPECT_NE(invalid.response->body().find("CNIE_INVALIDE"), std::string::npos);
}

TEST_F(Simulators, FaultsChangeWhileRunningAndCountersCount) {
  ASSERT_TRUE(control("ompic", "DELETE", "/_sim/counters").response);
  auto set = control("ompic", "PUT", "/_sim/faults", R"({"error_rate": 1.0})");
  ASSERT_TRUE(set.response) << set.error;
  ASSERT_EQ(set.response->result_int(), 200) << set.response->body();
  for (int i = 0; i < 5; ++i) {
    auto ex = ts::https_request(sim_->port("ompic"), ts::SimProcess::hub_client("ompic"), "GET",
                                "/rc/api/v1/entreprises?ice=001561191000066");
    ASSERT_TRUE(ex.response) << ex.error;
    EXPECT_EQ(ex.response->result_int(), 503);
  }
  ASSERT_TRUE(control("ompic", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  auto ok = ts::https_request(sim_->port("ompic"), ts::SimProcess::hub_client("ompic"), "GET",
                              "/rc/api/v1/entreprises?ice=001561191000066");
  ASSERT_TRUE(ok.response);
  EXPECT_EQ(ok.response->result_int(), 200);
  auto counters = control("ompic", "GET", "/_sim/counters");
  ASSERT_TRUE(counters.response);
  EXPECT_NE(counters.response->body().find(R"("injected_error":5)"), std::string::npos)
      << counters.response->body();
  EXPECT_NE(counters.response->body().find(R"("ice":1)"), std::string::npos);
  auto one = control("ompic", "GET", "/_sim/counters?id=001561191000066");
  ASSERT_TRUE(one.response);
  EXPECT_EQ(one.response->body(), R"({"count":1})");

  auto refused = control("ompic", "PUT", "/_sim/faults", R"({"error_rate": 3})");
  ASSERT_TRUE(refused.response);
  EXPECT_EQ(refused.response->result_int(), 400);
  EXPECT_NE(refused.response->body().find("error_rate"), std::string::npos);
}

TEST_F(Simulators, ConnectionResetsAreInjected) {
  ASSERT_TRUE(control("dgi", "PUT", "/_sim/faults", R"({"reset_rate": 1.0})").response);
  auto ex = ts::https_request(sim_->port("dgi"), ts::SimProcess::hub_client("dgi"), "GET",
                              "/dgi/api/v2/contribuables/40123456");
  EXPECT_FALSE(ex.response);
  ASSERT_TRUE(control("dgi", "PUT", "/_sim/faults", R"({"reset_rate": 0})").response);
}

TEST_F(Simulators, DgiQuotaIsEnforced) {
  // Wait for the bucket to refill after other tests, then ask 150 times at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  std::vector<ts::Call> calls;
  for (int i = 0; i < 150; ++i) {
    calls.push_back({"GET", "/dgi/api/v2/contribuables/40123" + std::to_string(100 + i), "", {}});
  }
  auto all = ts::https_requests(sim_->port("dgi"), ts::SimProcess::hub_client("dgi"), calls);
  ASSERT_EQ(all.size(), calls.size());
  int ok = 0, limited = 0;
  for (const auto& ex : all) {
    ASSERT_TRUE(ex.response) << ex.error;
    if (ex.response->result_int() == 429) {
      ++limited;
      EXPECT_NE(ex.response->body().find("QUOTA_DEPASSE"), std::string::npos);
    } else {
      ++ok;
    }
  }
  EXPECT_GE(ok, 100);
  EXPECT_GT(limited, 0) << "150 requests in a burst were all served: no quota";
}

}  // namespace
