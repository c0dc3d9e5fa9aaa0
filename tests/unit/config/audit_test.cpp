// The audit: section (the journal's checkpoints, TSA and retention): read with its defaults, and
// every problem refused at its position.
#include <gtest/gtest.h>

#include "hub/config/config.hpp"

namespace {
using hub::config::parse_hub_config;

const std::string kBase = R"(hub:
  data_dir: data
listeners:
  - name: internal
    port: 8443
    interfaces: [registration]
    tls: {certificate: s.crt, key: s.key, client_ca: [ca.crt]}
store: {engine: sqlite, path: data/hub.db}
principals:
  - {name: agency, subject: "CN=agency,O=CNSS,C=MA", roles: [registration]}
)";

std::string problems(const hub::config::LoadResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.to_string() + "\n";
  return s;
}

TEST(AuditConfig, AbsentMeansNoCheckpoints) {
  auto r = parse_hub_config(kBase, "hub.yaml", "/etc/cnss", false);
  ASSERT_TRUE(r.config) << problems(r);
  EXPECT_FALSE(r.config->audit.checkpoints);
}

TEST(AuditConfig, ReadWithItsDefaults) {
  auto r = parse_hub_config(kBase + R"(audit:
  signing_key: journal/signing.key
  origin: cnss.ma/exchange-hub/journal
)",
                            "hub.yaml", "/etc/cnss", false);
  ASSERT_TRUE(r.config) << problems(r);
  const auto& a = r.config->audit;
  EXPECT_TRUE(a.checkpoints);
  EXPECT_EQ(a.signing_key, "/etc/cnss/journal/signing.key");
  EXPECT_EQ(a.origin, "cnss.ma/exchange-hub/journal");
  EXPECT_EQ(a.checkpoint_interval.count(), 10'000);
  EXPECT_EQ(a.retention_days, 730u);
  EXPECT_FALSE(a.tsa);
}

TEST(AuditConfig, WithATsa) {
  auto r = parse_hub_config(kBase + R"(audit:
  signing_key: k
  origin: o
  checkpoint_interval_ms: 2000
  retention_days: 0
  tsa: {url: "http://127.0.0.1:3180/tsa", ca: tsa/ca.crt, timeout_ms: 800}
)",
                            "hub.yaml", "/etc/cnss", false);
  ASSERT_TRUE(r.config) << problems(r);
  const auto& a = r.config->audit;
  EXPECT_EQ(a.checkpoint_interval.count(), 2000);
  EXPECT_EQ(a.retention_days, 0u);
  ASSERT_TRUE(a.tsa);
  EXPECT_EQ(a.tsa->url, "http://127.0.0.1:3180/tsa");
  EXPECT_EQ(a.tsa->ca, "/etc/cnss/tsa/ca.crt");
  EXPECT_EQ(a.tsa->timeout.count(), 800);
  EXPECT_EQ(a.tsa->max_response_bytes, 64u * 1024);
}

TEST(AuditConfig, EveryProblemIsRefusedAtItsPosition) {
  auto r = parse_hub_config(kBase + R"(audit:
  origin: "cnss journal+1"
  checkpoint_interval_ms: 10
  tsa: {url: "https://tsa.example/", colour: blue}
)",
                            "hub.yaml", "/etc/cnss", false);
  EXPECT_FALSE(r.config);
  const std::string all = problems(r);
  EXPECT_NE(all.find("hub.yaml:12:3: missing_key"), std::string::npos) << all;
  EXPECT_NE(all.find("(at /audit/signing_key)"), std::string::npos) << all;
  EXPECT_NE(all.find("hub.yaml:12:11: invalid_value"), std::string::npos) << all;
  EXPECT_NE(all.find("(at /audit/origin)"), std::string::npos) << all;
  EXPECT_NE(all.find("(at /audit/checkpoint_interval_ms)"), std::string::npos) << all;
  EXPECT_NE(all.find("over http://"), std::string::npos) << all;
  EXPECT_NE(all.find("(at /audit/tsa/ca)"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown_key"), std::string::npos) << all;
  EXPECT_NE(all.find("(at /audit/tsa/colour)"), std::string::npos) << all;
}

TEST(AuditConfig, FilesAreCheckedWhenAsked) {
  auto r = parse_hub_config(kBase + "audit: {signing_key: /nowhere/signing.key, origin: o}\n",
                            "hub.yaml", "/etc/cnss", true);
  EXPECT_NE(problems(r).find("no such file: /nowhere/signing.key"), std::string::npos)
      << problems(r);
}

// A spool_after_ms at or beyond the 2 s a request waits for its entries would refuse requests on
// a hanging store before spooling them (and /readyz say ok meanwhile).
TEST(JournalConfig, SpoolAfterIsBelowTheRequestsWait) {
  auto ok = parse_hub_config(kBase + "journal: {spool: true, spool_after_ms: 1000}\n", "hub.yaml",
                             "/etc/cnss", false);
  ASSERT_TRUE(ok.config) << problems(ok);
  EXPECT_EQ(ok.config->journal.spool_after.count(), 1000);
  auto r = parse_hub_config(kBase + "journal: {spool: true, spool_after_ms: 2000}\n", "hub.yaml",
                            "/etc/cnss", false);
  EXPECT_FALSE(r.config);
  EXPECT_NE(problems(r).find("spool_after_ms"), std::string::npos) << problems(r);
}

}  // namespace
