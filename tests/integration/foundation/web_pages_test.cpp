// The hub's own pages (hub.web_dir on a listener with the `web` interface), served by a real hub
// over real mutual TLS: types, caching and security headers, and nothing outside the built files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
namespace fs = std::filesystem;

namespace {

class WebPages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string root = ts::temp_dir("cnss-web-test");
    const std::string web = root + "/web";
    fs::create_directories(web + "/agency");
    fs::create_directories(web + "/assets");
    fs::create_directories(web + "/.hidden");
    std::ofstream(web + "/agency/index.html") << "<!doctype html><title>Agence</title>";
    std::ofstream(web + "/assets/agency-Bx12_z.js") << "console.log('page')";
    std::ofstream(web + "/assets/agency-Q9.css") << "body{}";
    std::ofstream(web + "/.hidden/secret.txt") << "hidden";
    std::ofstream(web + "/agency/.env") << "hidden";
    std::ofstream(web + "/agency/{x}.txt") << "a route parameter";
    std::ofstream(root + "/outside.txt") << "outside";
    fs::create_symlink(root + "/outside.txt", web + "/agency/link.txt");
    ts::HubOptions o;
    o.web_dir = web;
    hub_ = new ts::HubProcess(o);
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }
  static ts::Exchange get(const std::string& target, const std::string& method = "GET") {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("agency"), method, target);
    EXPECT_TRUE(ex.response) << target << ": " << ex.error;
    return ex;
  }
  static std::string header(const ts::Exchange& ex, const char* name) {
    return ex.response && ex.response->count(name) ? std::string(ex.response->at(name)) : "";
  }

  static ts::HubProcess* hub_;
};
ts::HubProcess* WebPages::hub_ = nullptr;

TEST_F(WebPages, APageIsServedWithItsTypeAndAStrictPolicy) {
  for (const char* target : {"/agency/", "/agency/index.html"}) {
    auto ex = get(target);
    ASSERT_TRUE(ex.response);
    EXPECT_EQ(ex.response->result_int(), 200) << target;
    EXPECT_EQ(ex.response->body(), "<!doctype html><title>Agence</title>");
    EXPECT_EQ(header(ex, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(ex, "Cache-Control"), "no-cache");
    EXPECT_EQ(header(ex, "X-Content-Type-Options"), "nosniff");
    const std::string csp = header(ex, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  }
  auto bare = get("/agency");
  EXPECT_EQ(bare.response->result_int(), 308);
  EXPECT_EQ(header(bare, "Location"), "/agency/");
}

TEST_F(WebPages, HashedAssetsAreCachedForGood) {
  auto js = get("/assets/agency-Bx12_z.js");
  EXPECT_EQ(js.response->result_int(), 200);
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "private, max-age=31536000, immutable");
  auto css = get("/assets/agency-Q9.css");
  EXPECT_EQ(header(css, "Content-Type"), "text/css; charset=utf-8");
}

TEST_F(WebPages, NothingOutsideTheBuiltFilesIsServed) {
  for (const char* target :
       {"/agency/missing.js", "/agency/../outside.txt", "/agency/%2e%2e/outside.txt",
        "/agency/..%2foutside.txt", "/assets/..%2F..%2Foutside.txt", "/.hidden/secret.txt",
        "/agency/.env", "/agency/link.txt", "/agency/%7Bx%7D.txt", "/outside.txt"}) {
    auto ex = get(target);
    ASSERT_TRUE(ex.response) << target;
    EXPECT_EQ(ex.response->result_int(), 404) << target << ": " << ex.response->body();
    EXPECT_EQ(header(ex, "Content-Type"), "application/json") << target;
    EXPECT_NE(ex.response->body().find(R"({"error":{"code":)"), std::string::npos) << target;
    EXPECT_EQ(ex.response->body().find("outside"), std::string::npos) << target;
    EXPECT_EQ(ex.response->body().find("hidden"), std::string::npos) << target;
  }
  auto post = get("/agency/", "POST");
  EXPECT_EQ(post.response->result_int(), 405);
}

TEST_F(WebPages, AnUnknownCertificateGetsNoPage) {
  auto ex = ts::https_request(hub_->port("internal"), ts::client("unknown"), "GET", "/agency/");
  ASSERT_TRUE(ex.response) << ex.error;
  EXPECT_EQ(ex.response->result_int(), 403);
}

}  // namespace
