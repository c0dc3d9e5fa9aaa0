// The breaker as shipped (conf/hub.yaml's sizing), against the real simulators: bad identifiers
// from one client never open it for the others, an outage opens it after `min_calls` calls, and
// /readyz says which partner is degraded and why while the hub stays ready.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

// DGSN's `breaker:` and `retry:` lines in the shipped conf/hub.yaml.
std::string shipped_breaker_and_retry() {
  std::ifstream in(ts::source_dir() + "/conf/hub.yaml");
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const auto dgsn = s.find("\n  dgsn:");
  std::string out;
  for (const char* key : {"    breaker: ", "    retry: "}) {
    const auto at = s.find(key, dgsn);
    out += s.substr(at, s.find('\n', at) + 1 - at);
  }
  return out;
}

std::size_t shipped_min_calls() {
  std::smatch m;
  const std::string lines = shipped_breaker_and_retry();
  return std::regex_search(lines, m, std::regex(R"(min_calls: (\d+))")) ? std::stoul(m[1]) : 0;
}

class ShippedBreaker : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<ts::SimProcess>();
    ts::HubOptions o;
    o.mappings = true;
    o.partners_yaml = ts::partners_for_sim(sim_->ports(), shipped_breaker_and_retry());
    o.exchange_yaml = ts::default_exchange_yaml(2500);
    hub_ = std::make_unique<ts::HubProcess>(o);
  }

  struct Answer {
    unsigned status = 0;
    rapidjson::Document body;
  };
  static Answer answer_of(const ts::Exchange& ex) {
    Answer a;
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return a;
    a.status = ex.response->result_int();
    a.body.Parse(ex.response->body().c_str());
    return a;
  }
  Answer person(const std::string& cnie, const std::string& client = "agency") {
    auto ex =
        ts::https_request(hub_->port("internal"), ts::client(client), "POST", "/v1/prefill/person",
                          R"({"cnie":")" + cnie + R"(","purpose":"IMMATRICULATION"})",
                          {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache"}});
    return answer_of(ex);
  }
  // Many at once, as a front-end's users would.
  void burst(const std::vector<std::string>& cnies) {
    std::vector<std::future<Answer>> all;
    for (const auto& c : cnies) {
      all.push_back(std::async(std::launch::async, [this, c] { return person(c); }));
    }
    for (auto& f : all) f.get();
  }
  Answer readyz() {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("agency"), "GET", "/readyz");
    return answer_of(ex);
  }
  static std::string str(const rapidjson::Value& root, const char* pointer) {
    const auto* v = rapidjson::Pointer(pointer).Get(root);
    return v && v->IsString() ? std::string(v->GetString()) : std::string();
  }
  static std::int64_t num(const rapidjson::Value& root, const char* pointer) {
    const auto* v = rapidjson::Pointer(pointer).Get(root);
    return v && v->IsInt64() ? v->GetInt64() : -1;
  }

  std::unique_ptr<ts::SimProcess> sim_;
  std::unique_ptr<ts::HubProcess> hub_;
};

TEST_F(ShippedBreaker, BadIdentifiersFromOneClientDoNotOpenItForOthers) {
  // Every kind of reserved identifier, several of each, at once: internal errors (999), cut
  // answers (998), not found (000), 429 (996), an answer after 30 s (997)...
  std::vector<std::string> bad;
  for (int i = 0; i < 5; ++i) {
    bad.push_back("BK1" + std::to_string(i) + "0999");
    bad.push_back("BK2" + std::to_string(i) + "0998");
  }
  for (int i = 0; i < 3; ++i) bad.push_back("BK3" + std::to_string(i) + "0000");
  bad.push_back("BK410996");
  bad.push_back("BK420996");
  bad.push_back("BK510997");
  burst(bad);
  // ...and one of them again and again, as a user who keeps trying.
  for (int i = 0; i < 10; ++i) person("BK100999");

  auto ready = readyz();
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(str(ready.body, "/partners/dgsn/circuit"), "closed");
  EXPECT_EQ(str(ready.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(ready.body, "/partners/dgct/circuit"), "closed");
  // DGSN's own 429 Retry-After: 1 (the 996s) holds every call for a second, as it asked.
  std::this_thread::sleep_for(1100ms);
  auto other = person("BK123456", "admin");
  EXPECT_EQ(other.status, 200u);
  EXPECT_EQ(str(other.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(other.body, "/partners/dgct/status"), "ok");
}

TEST_F(ShippedBreaker, AnOutageOpensItAfterMinCallsAndReadyzSaysDegraded) {
  const std::size_t min_calls = shipped_min_calls();
  ASSERT_GT(min_calls, 1u);
  ASSERT_TRUE(ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "PUT",
                                "/_sim/faults", R"({"error_rate": 1})",
                                {{"Content-Type", "application/json"}})
                  .response);
  // Every identifier fails: one call short of min_calls, still closed...
  std::vector<std::string> cnies;
  for (std::size_t i = 0; i < min_calls; ++i) cnies.push_back("JH7" + std::to_string(10000 + i));
  burst({cnies.begin(), cnies.end() - 1});
  EXPECT_EQ(str(readyz().body, "/partners/dgsn/circuit"), "closed");
  // ...and the next one opens it.
  person(cnies.back());
  auto ready = readyz();
  EXPECT_EQ(ready.status, 200u) << "a partner never makes the hub unready";
  EXPECT_EQ(str(ready.body, "/status"), "ready");
  EXPECT_EQ(str(ready.body, "/partners/dgsn/circuit"), "open");
  EXPECT_EQ(str(ready.body, "/partners/dgsn/status"), "degraded");
  EXPECT_EQ(num(ready.body, "/partners/dgsn/why/failed_calls"),
            static_cast<std::int64_t>(min_calls));
  EXPECT_EQ(num(ready.body, "/partners/dgsn/why/calls"), static_cast<std::int64_t>(min_calls));
  EXPECT_EQ(str(ready.body, "/partners/dgsn/why/last_failure"), "partner_unavailable");
  EXPECT_GT(num(ready.body, "/partners/dgsn/retry_after_ms"), 0);
  EXPECT_EQ(str(ready.body, "/partners/dgct/status"), "ok");

  // Everyone gets the fast answer now, and DGSN is left alone.
  ASSERT_TRUE(ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "DELETE",
                                "/_sim/counters")
                  .response);
  auto other = person("BK123456", "admin");
  EXPECT_EQ(str(other.body, "/partners/dgsn/error/detail"), "circuit_open");
  EXPECT_EQ(str(other.body, "/partners/dgct/status"), "ok");
  auto calls = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "GET",
                                 "/_sim/counters");
  ASSERT_TRUE(calls.response);
  EXPECT_EQ(calls.response->body(), R"({"total":0})");
}

}  // namespace
