// A revocation reaches the connections already open: after the CRL is replaced and reloaded, a
// kept-alive connection whose client certificate is now revoked is closed, while another
// client's kept-alive connection goes on being served.
#include <gtest/gtest.h>

#include "support/hub_process.hpp"
#include "support/own_pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

TEST(HubTlsReload, AnOpenConnectionWhoseCertificateIsRevokedIsClosed) {
  const ts::OwnPki pki;
  ts::HubProcess hub(pki.hub_options());
  const ts::Call healthz{"GET", "/healthz", "", {}};
  ts::TlsConnection agency(hub.port("internal"), pki.client("agency"));
  ts::TlsConnection admin(hub.port("internal"), pki.client("admin"));
  for (auto* c : {&agency, &admin}) {
    auto ex = c->request(healthz);
    ASSERT_TRUE(ex.response) << ex.error;
    EXPECT_EQ(ex.response->result_int(), 200u);
  }

  ASSERT_EQ(pki.revoke("agency"), "");
  auto reloaded = hub.process().wait_for_line(
      [](const std::string& l) {
        return l.find("TLS reloaded") != std::string::npos &&
               l.find("\"internal\"") != std::string::npos;
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(reloaded) << "the new CRL was not picked up";
  EXPECT_NE(reloaded->find(R"("closed_connections":"1")"), std::string::npos) << *reloaded;

  auto revoked = agency.request(healthz);
  EXPECT_FALSE(revoked.response) << "the revoked client's open connection was still served";
  auto other = admin.request(healthz);
  ASSERT_TRUE(other.response) << other.error;
  EXPECT_EQ(other.response->result_int(), 200u);
  auto m = ts::https_request(hub.port("internal"), pki.client("admin"), "GET", "/metrics");
  ASSERT_TRUE(m.response) << m.error;
  EXPECT_EQ(ts::metric_value(m.response->body(), "cnss_http_connections_evicted_total",
                             {"listener=\"internal\"", "reason=\"revoked\""}),
            1);
}

}  // namespace
