// The configuration reader: every problem, with its position and key path.
#include <gtest/gtest.h>

#include "hub/config/config.hpp"

namespace {
using hub::config::parse_hub_config;

const char* kValid = R"(hub:
  threads: 4
  data_dir: data
listeners:
  - name: internal
    port: 8443
    interfaces: [registration, ops]
    tls:
      certificate: certs/server.crt
      key: certs/server.key
      client_ca: [certs/ca.crt]
store:
  engine: sqlite
  path: data/hub.db
partners:
  dgsn:
    base_url: https://127.0.0.1:7001
    ca: certs/dgsn.crt
    certificate: certs/c.crt
    key: certs/c.key
    request_timeout_ms: 1500
principals:
  - name: agency
    subject: CN=agency,O=CNSS,C=MA
    roles: [registration]
)";

bool has(const hub::config::LoadResult& r, const std::string& text) {
  for (const auto& p : r.problems) {
    if (p.to_string().find(text) != std::string::npos) return true;
  }
  return false;
}

std::string all(const hub::config::LoadResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.to_string() + "\n";
  return s;
}

TEST(Config, ValidConfigurationIsRead) {
  auto r = parse_hub_config(kValid, "hub.yaml", "/etc/cnss", false);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->threads, 4u);
  EXPECT_EQ(r.config->data_dir, "/etc/cnss/data");
  ASSERT_EQ(r.config->listeners.size(), 1u);
  EXPECT_EQ(r.config->listeners[0].tls.client_ca[0], "/etc/cnss/certs/ca.crt");
  ASSERT_EQ(r.config->partners.size(), 1u);
  EXPECT_EQ(r.config->partners[0].name, "dgsn");
  EXPECT_EQ(r.config->partners[0].request_timeout.count(), 1500);
  EXPECT_EQ(r.config->store.path, "/etc/cnss/data/hub.db");
  const auto* p = r.config->principal_by_subject("CN=agency,O=CNSS,C=MA", "anything").principal;
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "agency");
  EXPECT_EQ(r.config->principal_by_subject("CN=other", "").principal, nullptr);
}

TEST(Config, UnknownKeyIsRefusedWithItsPosition) {
  std::string text = kValid;
  text.replace(text.find("  threads: 4"), 12, "  thread: 4");
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:2:3: unknown_key: unknown key 'thread'")) << all(r);
  EXPECT_TRUE(has(r, "(at /hub/thread)")) << all(r);
}

// A key written twice (YAML 1.2 section 3.2.1.1) is refused at the second: yaml-cpp's lookups find
// the first, so a line added below to change a value was silently ignored. Names too: two
// partners named alike are not both read.
TEST(Config, AKeyWrittenTwiceIsRefusedAtTheSecond) {
  std::string text = kValid;
  text.replace(text.find("  threads: 4\n"), 13, "  threads: 4\n  threads: 8\n");
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:3:3: duplicate_key: 'threads' is written twice")) << all(r);
  EXPECT_TRUE(has(r, "(at /hub/threads)")) << all(r);
  std::string partners = kValid;
  const auto block = partners.find("  dgsn:");
  const auto after = partners.find("principals:");
  partners.insert(after, partners.substr(block, after - block));  // dgsn: {...} twice
  r = parse_hub_config(partners, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:22:3: duplicate_key: 'dgsn' is written twice")) << all(r);
}

// The feed's consumers are agreements now (docs/feed.md): the old section says what replaced it,
// once, and not as unknown keys.
TEST(Config, TheFeedsConsumersSectionSaysItWasReplacedByAgreements) {
  const std::string text =
      std::string(kValid) + "feed:\n  consumers:\n    agency: {personal: true}\n";
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u) << all(r);
  EXPECT_EQ(r.problems[0].code, "replaced");
  EXPECT_NE(r.problems[0].message.find("replaced by agreements"), std::string::npos);
}

TEST(Config, JournalReceiptsAreAlwaysOrOnRequest) {
  auto always = parse_hub_config(kValid, "hub.yaml", "", false);
  ASSERT_TRUE(always.config) << all(always);
  EXPECT_TRUE(always.config->journal.receipts_always);
  auto on_request = parse_hub_config(std::string(kValid) + "journal:\n  receipts: on_request\n",
                                     "hub.yaml", "", false);
  ASSERT_TRUE(on_request.config) << all(on_request);
  EXPECT_FALSE(on_request.config->journal.receipts_always);
  auto bad = parse_hub_config(std::string(kValid) + "journal:\n  receipts: sometimes\n", "hub.yaml",
                              "", false);
  EXPECT_FALSE(bad.config);
  ASSERT_EQ(bad.problems.size(), 1u) << all(bad);
  EXPECT_EQ(bad.problems[0].path, "/journal/receipts");
}

TEST(Config, WrongTypeMissingAndOutOfRangeAreAllReported) {
  std::string text = kValid;
  text.replace(text.find("threads: 4"), 10, "threads: x");
  text.replace(text.find("port: 8443"), 10, "port: 70000");
  text.replace(text.find("    base_url: https://127.0.0.1:7001\n"), 37, "");
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:2:12: wrong_type")) << all(r);
  EXPECT_TRUE(has(r, "out_of_range: 70000 is outside 0..65535 (at /listeners/0/port)")) << all(r);
  EXPECT_TRUE(
      has(r, "missing_key: required key 'base_url' is missing (at /partners/dgsn/base_url)"))
      << all(r);
  EXPECT_EQ(r.problems.size(), 3u) << all(r);
}

TEST(Config, PartnersMustBeHttps) {
  std::string text = kValid;
  text.replace(text.find("https://127.0.0.1:7001"), 22, "http://127.0.0.1:7001");
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_TRUE(has(r, "invalid_value: partners are reached over mutual TLS only")) << all(r);
}

TEST(Config, YamlSyntaxErrorHasItsPosition) {
  auto r = parse_hub_config("hub:\n  threads: [1,\n", "bad.yaml", "", false);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].code, "yaml_syntax");
  EXPECT_EQ(r.problems[0].file, "bad.yaml");
  EXPECT_GE(r.problems[0].line, 2);
}

TEST(Config, MissingFilesAreReportedWhenChecked) {
  auto r = parse_hub_config(kValid, "hub.yaml", "/nonexistent", true);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:9:20: file_not_found: no such file: /nonexistent/certs/server.crt"))
      << all(r);
}

TEST(Config, DuplicateListenerNamesAndPortsAreRefused) {
  std::string text = kValid;
  const std::string listener = text.substr(text.find("  - name: internal"),
                                           text.find("store:") - text.find("  - name: internal"));
  text.insert(text.find("store:"), listener);
  auto r = parse_hub_config(text, "hub.yaml", "", false);
  EXPECT_TRUE(has(r, "duplicate: listener name 'internal' is used twice")) << all(r);
  EXPECT_TRUE(has(r, "duplicate: 127.0.0.1:8443 is used by two listeners")) << all(r);
}

// kValid with a limits: section and the listener's own limits: (a flow mapping).
hub::config::LoadResult with_limits(const std::string& global, const std::string& own) {
  std::string text = kValid;
  text.insert(text.find("store:"), "limits:\n" + global);
  text.insert(text.find("    tls:"), "    limits: {" + own + "}\n");
  return parse_hub_config(text, "hub.yaml", "", false);
}

TEST(Config, ConnectionLimitsApplyToEachListenerUnlessItSetsItsOwn) {
  auto r = with_limits(
      "  max_connections: 500\n  max_pre_handshake_connections: 100\n"
      "  first_byte_timeout_ms: 1500\n",
      "max_connections: 50, max_connections_per_address: 20");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->limits.connections.max_connections, 500u);
  const auto& own = r.config->listeners[0].connections;
  EXPECT_EQ(own.max_connections, 50u);
  // Inherited budgets that no longer fit are lowered to what the listener allows.
  EXPECT_EQ(own.max_pre_handshake, 50u);
  EXPECT_EQ(own.max_connections_per_address, 20u);
  EXPECT_EQ(own.max_pre_handshake_per_address, 20u);
  EXPECT_EQ(own.first_byte_timeout, std::chrono::milliseconds(1500));
}

TEST(Config, ABudgetSetOverItsWholeIsRefusedWithItsPosition) {
  auto r = with_limits(
      "  handshake_timeout_ms: 1000\n  first_byte_timeout_ms: 3000\n"
      "  max_connections_per_address: 10\n  max_pre_handshake_per_address: 11\n",
      "max_connections: 50, max_pre_handshake_connections: 60");
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r,
                  "invalid_value: max_pre_handshake_connections is over max_connections (50) "
                  "(at /listeners/0/limits/max_pre_handshake_connections)"))
      << all(r);
  EXPECT_TRUE(has(r,
                  "invalid_value: first_byte_timeout_ms is over handshake_timeout_ms (1000 ms) "
                  "(at /limits/first_byte_timeout_ms)"))
      << all(r);
  EXPECT_TRUE(has(r,
                  "invalid_value: max_pre_handshake_per_address is over "
                  "max_connections_per_address (10) (at /limits/max_pre_handshake_per_address)"))
      << all(r);
  EXPECT_EQ(r.problems.size(), 3u) << all(r);
}

// The web interface serves hub.web_dir: a listener that names it without the folder is refused
// at its position, and so is a folder that does not exist when files are checked.
TEST(Config, WebInterfaceNeedsAnExistingWebDir) {
  std::string text = kValid;
  text.replace(text.find("[registration, ops]"), 19, "[registration, ops, web]");
  auto r = parse_hub_config(text, "hub.yaml", "/nonexistent", false);
  EXPECT_TRUE(has(r, "hub.yaml:7:37: missing_value: the web interface serves hub.web_dir"))
      << all(r);
  text.insert(text.find("listeners:"), "  web_dir: pages\n");
  r = parse_hub_config(text, "hub.yaml", "/nonexistent", false);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->web_dir, "/nonexistent/pages");
  r = parse_hub_config(text, "hub.yaml", "/nonexistent", true);
  EXPECT_TRUE(has(r, "hub.yaml:4:12: file_not_found: no such folder: /nonexistent/pages"))
      << all(r);
  text.replace(text.find("ops, web]"), 9, "ops, www]");
  r = parse_hub_config(text, "hub.yaml", "/nonexistent", false);
  EXPECT_TRUE(has(r, "'www' is not one of: admin, ops, partner, registration, web")) << all(r);
}

}  // namespace

TEST(Config, EventSourcesNameKnownPrincipals) {
  std::string ok = std::string(kValid) +
                   "events:\n  retry_every_ms: 5000\n  sources:\n"
                   "    dgct: {principal: agency, mapping: dgct.civil_event}\n";
  auto r = parse_hub_config(ok, "hub.yaml", "", false);
  ASSERT_TRUE(r.config) << all(r);
  ASSERT_EQ(r.config->events.sources.size(), 1u);
  EXPECT_EQ(r.config->events.sources[0].partner, "dgct");
  EXPECT_EQ(r.config->events.sources[0].mapping, "dgct.civil_event");
  EXPECT_EQ(r.config->events.retry_every, std::chrono::milliseconds(5000));

  std::string bad = std::string(kValid) +
                    "events:\n  sources:\n"
                    "    dgct: {principal: nobody, mapping: dgct.civil_event}\n"
                    "    ompic: {principal: agency}\n";
  r = parse_hub_config(bad, "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has(r, "hub.yaml:28:23: invalid_value: no principal named 'nobody'")) << all(r);
  EXPECT_TRUE(has(r, "missing_key")) << all(r);
  EXPECT_TRUE(has(r, "(at /events/sources/ompic/mapping)")) << all(r);
}
