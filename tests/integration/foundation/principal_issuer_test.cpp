// A principal is bound to the CA that issues its certificates (issue 15): a certificate from one
// partner's CA with another principal's subject is refused on every route, counted and logged;
// the genuine certificates keep working; issuer_key_id tells apart two CAs with one name. Real
// hub processes over real mutual TLS, with the test PKI's cross-CA certificates.
#include <gtest/gtest.h>
#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

struct Route {
  const char* method;
  const char* target;
};

// Every route the partners listener serves (docs/openapi/partner-events.yaml, operations).
const Route kPartnersRoutes[] = {{"POST", "/partner/v1/events"},
                                 {"GET", "/partner/v1/events/forged-1"},
                                 {"GET", "/healthz"},
                                 {"GET", "/readyz"},
                                 {"GET", "/metrics"}};

// A DGCT death event, as DGCT's contract writes it.
const char* kForgedDeath =
    R"({"evenementId":"forged-1","type":"DECES","dateActe":"2026-11-20",)"
    R"("acte":{"numero":"1/2026","commune":"Rabat"},)"
    R"("personne":{"nom":"X","prenom":"Y","sexe":"M","dateNaissance":"1960-01-01",)"
    R"("dateDeces":"2026-11-19","cnie":"BK123456"}})";

class PrincipalIssuer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ts::HubOptions o;
    o.mappings = true;  // serves the partner event routes
    hub_ = new ts::HubProcess(o);
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }
  static double rejected(const std::string& reason) {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("admin"), "GET", "/metrics");
    EXPECT_TRUE(ex.response) << ex.error;
    const double v =
        ts::metric_value(ex.response ? ex.response->body() : "", "cnss_principal_rejected_total",
                         {"listener=\"partners\"", "reason=\"" + reason + "\""});
    return std::max(v, 0.0);
  }
  static ts::Exchange call(const std::string& who, const Route& r) {
    const std::string body = std::string(r.method) == "POST" ? kForgedDeath : "";
    return ts::https_request(hub_->port("partners"), ts::client(who), r.method, r.target, body,
                             {{"Content-Type", "application/json"}});
  }
  static ts::HubProcess* hub_;
};
ts::HubProcess* PrincipalIssuer::hub_ = nullptr;

TEST_F(PrincipalIssuer, AnotherPartnersCaCannotMintAPrincipalOnAnyRoute) {
  const double before = rejected("issuer_mismatch");
  int refused = 0;
  // DGI's CA minting DGCT, DGCT's CA minting OMPIC, DGI's CA minting the CNSS administrator.
  for (const char* forged :
       {"negative/dgct-by-dgi", "negative/ompic-by-dgct", "negative/admin-by-dgi"}) {
    for (const auto& route : kPartnersRoutes) {
      auto ex = call(forged, route);
      ASSERT_TRUE(ex.response) << forged << " " << route.target << ": " << ex.error;
      EXPECT_EQ(ex.response->result_int(), 403) << forged << " " << route.target;
      EXPECT_NE(ex.response->body().find(R"("code":"unknown_principal")"), std::string::npos)
          << forged << " " << route.target << ": " << ex.response->body();
      ++refused;
    }
  }
  // One count a connection (each request above had its own).
  EXPECT_EQ(rejected("issuer_mismatch"), before + refused);

  // The forged death was never recorded: DGCT itself does not find it.
  auto genuine = call("dgct", {"GET", "/partner/v1/events/forged-1"});
  ASSERT_TRUE(genuine.response) << genuine.error;
  EXPECT_EQ(genuine.response->result_int(), 404) << genuine.response->body();

  // Logged with the subject and the CA that issued it, for the administrators.
  auto line = hub_->process().wait_for_line(
      [](const std::string& l) {
        return l.find("client certificate refused") != std::string::npos &&
               l.find("\"principal\":\"dgct\"") != std::string::npos;
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(line);
  EXPECT_NE(line->find(R"("subject":"CN=dgct-cnss-exchange,O=DGCT,C=MA")"), std::string::npos)
      << *line;
  EXPECT_NE(line->find(R"("issuer":"CN=DGI Development Root CA,O=DGI,C=MA")"), std::string::npos)
      << *line;
  EXPECT_NE(line->find(R"("reason":"issuer_mismatch")"), std::string::npos) << *line;
}

TEST_F(PrincipalIssuer, ACrossCaCertificateIsRefusedOnTheInternalListener) {
  // The internal listener trusts the CNSS CA only: a partner CA's certificate fails the handshake.
  for (const char* forged : {"negative/dgct-by-dgi", "negative/admin-by-dgi"}) {
    auto ex = ts::https_request(hub_->port("internal"), ts::client(forged), "GET", "/healthz");
    EXPECT_FALSE(ex.response) << forged << " got an HTTP answer on the internal listener";
  }
}

TEST_F(PrincipalIssuer, GenuinePartnerCertificatesStillWork) {
  for (const char* partner : {"dgct", "ompic"}) {
    auto ex = call(partner, {"GET", "/partner/v1/events/none-such"});
    ASSERT_TRUE(ex.response) << partner << ": " << ex.error;
    EXPECT_EQ(ex.response->result_int(), 404) << partner << ": " << ex.response->body();
  }
  auto dgi = call("dgi", {"GET", "/healthz"});
  ASSERT_TRUE(dgi.response) << dgi.error;
  EXPECT_EQ(dgi.response->result_int(), 200);
  auto admin = ts::https_request(hub_->port("internal"), ts::client("admin"), "GET", "/metrics");
  ASSERT_TRUE(admin.response) << admin.error;
  EXPECT_EQ(admin.response->result_int(), 200);
}

// A listener that also trusts a second CA with the DGCT CA's very name (its "twin"): the issuer's
// name cannot tell them apart, the key identifier can.
ts::HubOptions twin_trusted(const std::string& dgct_key_id) {
  ts::HubOptions o;
  o.partners_extra_ca = ", " + ts::pki("ca/dgct-twin.crt");
  o.partners_extra_crl = ", " + ts::pki("ca/dgct-twin.crl");
  if (!dgct_key_id.empty()) o.dgct_principal_extra = "    issuer_key_id: " + dgct_key_id + "\n";
  return o;
}

int status_of(ts::HubProcess& hub, const std::string& who) {
  auto ex = ts::https_request(hub.port("partners"), ts::client(who), "GET", "/healthz");
  return ex.response ? ex.response->result_int() : -1;
}

TEST(PrincipalIssuerKeyId, TellsApartTwoCasWithOneName) {
  ts::pki_dir();
  {
    // Without issuer_key_id, the twin's certificate passes for DGCT: what the key id is for.
    ts::HubProcess hub(twin_trusted(""));
    EXPECT_EQ(status_of(hub, "negative/dgct-by-twin"), 200);
  }
  ts::HubProcess hub(twin_trusted(ts::subject_key_id(ts::pki("ca/dgct.crt"))));
  EXPECT_EQ(status_of(hub, "dgct"), 200);
  EXPECT_EQ(status_of(hub, "negative/dgct-by-twin"), 403);
  auto m = ts::https_request(hub.port("internal"), ts::client("admin"), "GET", "/metrics");
  ASSERT_TRUE(m.response) << m.error;
  EXPECT_EQ(ts::metric_value(m.response->body(), "cnss_principal_rejected_total",
                             {"listener=\"partners\"", "reason=\"issuer_key_id_mismatch\""}),
            1);
}

TEST(PrincipalIssuerKeyId, AKeyIdThatIsNotTheCasRefusesTheGenuineCertificate) {
  ts::pki_dir();
  ts::HubProcess hub(twin_trusted(ts::subject_key_id(ts::pki("ca/ompic.crt"))));
  EXPECT_EQ(status_of(hub, "dgct"), 403);
  EXPECT_EQ(status_of(hub, "ompic"), 200);
}

}  // namespace

namespace {

// bench/probe-trust.sh, the repeatable probe set, against a hub laid out like scripts/run.sh's
// (mappings served, the test PKI): every case answers as expected, and it says so.
TEST(ProbeTrust, EveryCertificateCaseAnswersAsExpected) {
  ts::HubOptions o;
  o.mappings = true;
  ts::HubProcess hub(o);
  auto r = ts::run_command({ts::source_dir() + "/bench/probe-trust.sh", "--pki", ts::pki_dir(),
                            "--internal", "127.0.0.1:" + std::to_string(hub.port("internal")),
                            "--partners", "127.0.0.1:" + std::to_string(hub.port("partners"))});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("SURPRISE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("every case answered as expected"), std::string::npos) << r.output;
  std::size_t ok = 0;
  for (std::size_t at = r.output.find(" ok\n"); at != std::string::npos;
       at = r.output.find(" ok\n", at + 1)) {
    ++ok;
  }
  EXPECT_EQ(ok, 20u) << r.output;
}

}  // namespace
