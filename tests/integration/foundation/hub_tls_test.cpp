// The hub as a real process, over real mutual TLS with the development PKI: who gets in, who is
// refused and counted, and the limits that protect it.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/stat.h>

#include <future>
#include <thread>

#include "support/hub_process.hpp"
#include "support/own_pki.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

class HubTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ts::HubOptions o;
    o.limits_yaml =
        "  max_body_bytes: 65536\n  read_timeout_ms: 1500\n  idle_timeout_ms: 5000\n"
        "  max_connections: 64\n";
    hub_ = new ts::HubProcess(o);
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }
  static unsigned short port() { return hub_->port("internal"); }

  static std::string metrics() {
    auto ex = ts::https_request(port(), ts::client("admin"), "GET", "/metrics");
    EXPECT_TRUE(ex.response) << ex.error;
    return ex.response ? ex.response->body() : "";
  }

  static double handshake_failures(const std::string& reason) {
    return ts::metric_value(metrics(), "cnss_tls_handshake_failures_total",
                            {"listener=\"internal\"", "reason=\"" + reason + "\""});
  }

  static ts::HubProcess* hub_;
};
ts::HubProcess* HubTls::hub_ = nullptr;

TEST_F(HubTls, AgencyCertificateGetsHealthz) {
  auto ex = ts::https_request(port(), ts::client("agency"), "GET", "/healthz");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 200);
  EXPECT_EQ(ex.response->body(), R"({"status":"alive"})");
  // A correlation id is made when the client sends none.
  const std::string cid(ex.response->at("X-Correlation-ID"));
  EXPECT_EQ(cid.size(), 36u);
}

TEST_F(HubTls, CorrelationIdIsEchoedBack) {
  auto ex = ts::https_request(port(), ts::client("agency"), "GET", "/healthz", "",
                              {{"X-Correlation-ID", "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10"}});
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->at("X-Correlation-ID"), "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10");
  // One that could inject into logs or headers is replaced, not echoed.
  auto bad = ts::https_request(port(), ts::client("agency"), "GET", "/healthz", "",
                               {{"X-Correlation-ID", "a\"b{c}"}});
  ASSERT_TRUE(bad.response) << bad.error;
  EXPECT_NE(bad.response->at("X-Correlation-ID"), "a\"b{c}");
}

struct Refusal {
  const char* client;  // "" = no certificate
  const char* reason;  // the metric label
};

class HubTlsRefusal : public HubTls, public ::testing::WithParamInterface<Refusal> {};

TEST_P(HubTlsRefusal, IsRefusedAtTheHandshakeAndCounted) {
  const Refusal r = GetParam();
  const double before = std::max(0.0, handshake_failures(r.reason));
  ts::ClientSetup setup = std::string(r.client).empty() ? ts::ClientSetup{} : ts::client(r.client);
  setup.ca = ts::pki("ca/cnss.crt");
  auto ex = ts::https_request(port(), setup, "GET", "/healthz");
  EXPECT_FALSE(ex.response) << "a refused certificate got an HTTP answer";
  // The server counts the failure when its side of the handshake ends.
  double after = before;
  for (int i = 0; i < 50 && after <= before; ++i) {
    after = handshake_failures(r.reason);
    if (after <= before) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(after, before + 1) << "reason " << r.reason;
}

INSTANTIATE_TEST_SUITE_P(NegativeCertificates, HubTlsRefusal,
                         ::testing::Values(Refusal{"", "no_certificate"},
                                           Refusal{"negative/untrusted", "untrusted_ca"},
                                           Refusal{"negative/expired", "expired"},
                                           Refusal{"negative/revoked", "revoked"},
                                           Refusal{"negative/no-client-auth", "bad_purpose"}),
                         [](const auto& info) { return std::string(info.param.reason); });

TEST_F(HubTls, UnknownPrincipalGets403) {
  auto ex = ts::https_request(port(), ts::client("unknown"), "GET", "/healthz");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 403);
  EXPECT_NE(ex.response->body().find(R"("code":"unknown_principal")"), std::string::npos);
  EXPECT_NE(ex.response->body().find("\"correlation_id\":\""), std::string::npos);
  EXPECT_GE(ts::metric_value(metrics(), "cnss_http_requests_total",
                             {"listener=\"internal\"", "status=\"403\""}),
            1);
}

TEST_F(HubTls, Tls11IsRefused) {
  ts::ClientSetup s = ts::client("agency");
  s.min_version = TLS1_1_VERSION;
  s.max_version = TLS1_1_VERSION;
  s.security_level = 0;
  s.tls12_ciphers = "ALL:@SECLEVEL=0";
  auto ex = ts::https_request(port(), s, "GET", "/healthz");
  EXPECT_FALSE(ex.handshake_ok);
  EXPECT_FALSE(ex.response);
  EXPECT_GE(handshake_failures("protocol_version"), 1);
}

TEST_F(HubTls, NonAeadSuiteIsRefused) {
  ts::ClientSetup s = ts::client("agency");
  s.max_version = TLS1_2_VERSION;
  s.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA";
  auto ex = ts::https_request(port(), s, "GET", "/healthz");
  EXPECT_FALSE(ex.handshake_ok);
  EXPECT_GE(handshake_failures("no_shared_cipher"), 1);
}

TEST_F(HubTls, Tls12WithAeadSuiteIsAccepted) {
  ts::ClientSetup s = ts::client("agency");
  s.max_version = TLS1_2_VERSION;
  s.tls12_ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
  auto ex = ts::https_request(port(), s, "GET", "/healthz");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 200);
}

TEST_F(HubTls, BodyOverTheLimitGets413) {
  auto ex = ts::https_request(port(), ts::client("agency"), "POST", "/v1/prefill/person",
                              std::string(70'000, 'x'), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 413);
  EXPECT_NE(ex.response->body().find(R"("code":"body_too_large")"), std::string::npos);
}

TEST_F(HubTls, SlowHeadersAreCutWhileOthersAreServed) {
  const std::string raw =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + std::string(60, 'a') + "\r\n\r\n";
  // 1 byte every 100 ms: the headers would take 9 s; the read timeout is 1.5 s.
  auto slow = std::async(std::launch::async, [&] {
    return ts::slow_request(port(), ts::client("agency"), raw, 1, std::chrono::milliseconds(100),
                            std::chrono::seconds(6));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  auto fast = ts::https_request(port(), ts::client("agency"), "GET", "/healthz");
  const auto fast_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(fast.response) << fast.error;
  EXPECT_EQ(fast.response->result_int(), 200);
  EXPECT_LT(fast_took, std::chrono::seconds(1)) << "the slow client held up another one";
  auto slow_result = slow.get();
  EXPECT_TRUE(slow_result.handshake_ok);
  EXPECT_FALSE(slow_result.response) << "the trickling client was served instead of cut";
  EXPECT_GE(ts::metric_value(metrics(), "cnss_http_connections_refused_total",
                             {"reason=\"read_timeout\""}),
            1);
}

TEST_F(HubTls, PipelinedRequestsInOneWriteAreAnsweredInOrder) {
  // Three requests in one write: the server parses the second and third from what it has already
  // read. The second has a body; the third is read right after it, so a body taken short or long
  // would make the third unreadable.
  const std::string body = R"({"cnie":"BK123456","purpose":"IMMATRICULATION"})";
  const std::string raw =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
      "POST /nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body +
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  auto answers = ts::pipelined_requests(port(), ts::client("agency"), raw, 3);
  ASSERT_EQ(answers.size(), 3u);
  std::vector<unsigned> statuses;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.response) << a.error;
    statuses.push_back(a.response->result_int());
  }
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 404, 200}));
  EXPECT_FALSE(answers[2].response->keep_alive());
}

TEST_F(HubTls, MetricsNeedTheOpsRole) {
  auto ex = ts::https_request(port(), ts::client("agency"), "GET", "/metrics");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 403);
  EXPECT_NE(ex.response->body().find(R"("code":"forbidden")"), std::string::npos);
  const std::string m = metrics();
  EXPECT_NE(m.find("cnss_certificate_expiry_timestamp_seconds{"), std::string::npos);
  EXPECT_NE(m.find("cnss_http_request_duration_seconds_bucket{"), std::string::npos);
  EXPECT_NE(m.find("cnss_http_open_connections{"), std::string::npos);
}

TEST_F(HubTls, UnknownRouteAndWrongMethod) {
  auto nf = ts::https_request(port(), ts::client("agency"), "GET", "/nowhere");
  ASSERT_TRUE(nf.response) << nf.error;
  EXPECT_EQ(nf.response->result_int(), 404);
  auto m = ts::https_request(port(), ts::client("agency"), "DELETE", "/healthz");
  ASSERT_TRUE(m.response) << m.error;
  EXPECT_EQ(m.response->result_int(), 405);
}

TEST_F(HubTls, ReadyzReportsTheStore) {
  auto ex = ts::https_request(port(), ts::client("agency"), "GET", "/readyz");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 200);
  EXPECT_NE(ex.response->body().find(R"("store":{"engine":"sqlite","status":"ok"})"),
            std::string::npos)
      << ex.response->body();
}

TEST_F(HubTls, AccessLogMasksIdentifiers) {
  auto ex = ts::https_request(port(), ts::client("agency"), "GET", "/v1/insured?cnie=BK123456", "",
                              {{"X-Correlation-ID", "access-log-probe-1"}});
  ASSERT_TRUE(ex.response) << ex.error;
  auto line = hub_->process().wait_for_line(
      [](const std::string& l) { return l.find("access-log-probe-1") != std::string::npos; },
      std::chrono::seconds(5));
  ASSERT_TRUE(line);
  EXPECT_EQ(line->find("BK123456"), std::string::npos) << *line;
  EXPECT_NE(line->find("BK****56"), std::string::npos) << *line;
  EXPECT_NE(line->find("\"principal\":\"agency-casa-anfa\""), std::string::npos) << *line;
}

// Percent-encoding must not smuggle an identifier into the log (issue 15).
TEST_F(HubTls, AccessLogMasksEncodedIdentifiers) {
  const std::vector<std::string> targets = {"/v1/persons/AB%31%32%33%34%35%36",
                                            "/v1/insured?cnie=AB%2531%2532%2533%2534%2535%2536",
                                            "/v1/insured?cnie=A%42+123+456"};
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::string probe = "access-log-encoded-" + std::to_string(i);
    auto ex = ts::https_request(port(), ts::client("agency"), "GET", targets[i], "",
                                {{"X-Correlation-ID", probe}});
    ASSERT_TRUE(ex.response) << ex.error;
    auto line = hub_->process().wait_for_line(
        [&](const std::string& l) { return l.find(probe) != std::string::npos; },
        std::chrono::seconds(5));
    ASSERT_TRUE(line) << targets[i];
    for (const char* clear : {"123456", "%31%32%33", "%2531%2532", "123+456", "3456"}) {
      EXPECT_EQ(line->find(clear), std::string::npos) << clear << " in " << *line;
    }
    EXPECT_NE(line->find("AB"), std::string::npos) << *line;
  }
}

// Personal data is the hub user's alone: the data folder it made, the database and its WAL.
TEST_F(HubTls, DataFilesAreOwnerOnly) {
  auto mode = [](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  };
  const std::string data = hub_->dir() + "/data";
  EXPECT_EQ(mode(data), 0700u);
  EXPECT_EQ(mode(data + "/hub.db"), 0600u);
  EXPECT_EQ(mode(data + "/hub.db-wal"), 0600u);
}

TEST_F(HubTls, PartnerListenerRefusesAgencyCertificate) {
  // The partner listener trusts only the partners' CAs: a CNSS-issued certificate is refused.
  auto ex = ts::https_request(hub_->port("partners"), ts::client("agency"), "GET", "/healthz");
  EXPECT_FALSE(ex.response);
  ts::ClientSetup dgct = ts::client("dgct");
  auto ok = ts::https_request(hub_->port("partners"), dgct, "GET", "/healthz");
  ASSERT_TRUE(ok.response) << ok.error;
  EXPECT_EQ(ok.response->result_int(), 200);
}

}  // namespace

namespace {

// A PKI of its own (the shared one must not change under other tests), a hub on it, and a CRL
// that changes while the hub runs: the revocation takes effect on the next handshake, without a
// restart; a CRL that cannot be read keeps the previous one in force.
TEST(HubTlsReload, ARevocationTakesEffectWithoutARestart) {
  const ts::OwnPki pki;
  ts::HubProcess hub(pki.hub_options());
  const ts::ClientSetup agency = pki.client("agency");
  auto get = [&] { return ts::https_request(hub.port("internal"), agency, "GET", "/healthz"); };
  auto reloaded = [&](const std::string& what) {
    return hub.process().wait_for_line(
        [&](const std::string& l) {
          return l.find(what) != std::string::npos && l.find("\"internal\"") != std::string::npos;
        },
        std::chrono::seconds(10));
  };
  auto first = get();
  ASSERT_TRUE(first.response) << first.error;
  EXPECT_EQ(first.response->result_int(), 200u);

  // A CRL being rewritten (here: garbage) is refused; the listener keeps the CRL it had.
  ts::run_command({"sh", "-c", "echo not-a-crl > '" + pki.crl() + "'"});
  kill(hub.process().pid(), SIGHUP);
  auto refused = reloaded("TLS not reloaded");
  ASSERT_TRUE(refused) << "no log line about the unreadable CRL";
  EXPECT_NE(refused->find("CRL"), std::string::npos) << *refused;
  auto still = get();
  ASSERT_TRUE(still.response) << still.error;
  EXPECT_EQ(still.response->result_int(), 200u);

  // The agency's certificate is revoked and a fresh CRL written: the hub sees the file change.
  ASSERT_EQ(pki.revoke("agency"), "");
  ASSERT_TRUE(reloaded("TLS reloaded")) << "the new CRL was not picked up";
  auto after = get();
  EXPECT_FALSE(after.response) << "a revoked certificate still got an HTTP answer";
}

}  // namespace
