// The hub's answers by method, on the wire (RFC 9110 §9): HEAD without content on a connection
// that stays usable, OPTIONS and 405 with `Allow`.
#include <gtest/gtest.h>

#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

class HttpMethods : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { hub_ = new ts::HubProcess(); }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }
  static unsigned short port() { return hub_->port("internal"); }
  static ts::HubProcess* hub_;
};
ts::HubProcess* HttpMethods::hub_ = nullptr;

TEST_F(HttpMethods, WrongMethodGets405WithAllow) {
  auto m = ts::https_request(port(), ts::client("agency"), "DELETE", "/healthz");
  ASSERT_TRUE(m.response) << m.error;
  EXPECT_EQ(m.response->result_int(), 405);
  EXPECT_EQ(std::string((*m.response)["Allow"]), "GET, HEAD, OPTIONS");
  auto p = ts::https_request(hub_->port("partners"), ts::client("dgct"), "POST", "/readyz", "{}");
  ASSERT_TRUE(p.response) << p.error;
  EXPECT_EQ(p.response->result_int(), 405);
  EXPECT_EQ(std::string((*p.response)["Allow"]), "GET, HEAD, OPTIONS");
}

TEST_F(HttpMethods, HeadSendsNoContentAndTheConnectionGoesOn) {
  auto all = ts::https_requests(port(), ts::client("agency"),
                                {{"HEAD", "/healthz", "", {}}, {"GET", "/healthz", "", {}}});
  ASSERT_EQ(all.size(), 2u);
  ASSERT_TRUE(all[0].response) << all[0].error;
  ASSERT_TRUE(all[1].response) << "content after HEAD spoiled the next answer: " << all[1].error;
  EXPECT_EQ(all[0].response->result_int(), 200);
  EXPECT_TRUE(all[0].response->body().empty());
  // The header fields a GET gets, Content-Length included.
  EXPECT_EQ(std::string((*all[0].response)["Content-Length"]),
            std::to_string(all[1].response->body().size()));
  EXPECT_EQ(std::string((*all[0].response)["Content-Type"]), "application/json");
  EXPECT_EQ(all[1].response->body(), R"({"status":"alive"})");
}

TEST_F(HttpMethods, HeadOfAnErrorHasNoContentEither) {
  // 403 (the role), 404 and 405 answers to HEAD: no content, and the next request is served.
  auto all = ts::https_requests(
      port(), ts::client("agency"),
      {{"HEAD", "/metrics", "", {}}, {"HEAD", "/nowhere", "", {}}, {"GET", "/healthz", "", {}}});
  ASSERT_EQ(all.size(), 3u);
  ASSERT_TRUE(all[2].response) << all[2].error;
  EXPECT_EQ(all[0].response->result_int(), 403);
  EXPECT_EQ(all[1].response->result_int(), 404);
  EXPECT_TRUE(all[0].response->body().empty());
  EXPECT_EQ(all[2].response->result_int(), 200);
}

TEST_F(HttpMethods, OptionsListsThePathsMethods) {
  auto all = ts::https_requests(
      port(), ts::client("agency"),
      {{"OPTIONS", "/metrics", "", {}}, {"OPTIONS", "*", "", {}}, {"GET", "/healthz", "", {}}});
  ASSERT_EQ(all.size(), 3u);
  ASSERT_TRUE(all[2].response) << all[2].error;
  EXPECT_EQ(all[0].response->result_int(), 204);
  EXPECT_EQ(std::string((*all[0].response)["Allow"]), "GET, HEAD, OPTIONS");
  EXPECT_EQ(all[1].response->result_int(), 204);
  EXPECT_EQ(std::string((*all[1].response)["Allow"]), "GET, HEAD, OPTIONS");
}

}  // namespace
