// `cnss-hub check`: a broken configuration is refused with every problem's file:line:col.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace ts = testing_support;

namespace {

std::string hub_bin() {
  return ts::binary_dir() + "/bin/cnss-hub";
}

// The 1-based number of the first line of `text` that contains `needle` (0: none).
int line_of(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return 0;
}

// conf/hub.yaml as shipped (possibly edited), in a folder laid out like the repository whose
// certs/dev is the test PKI; returns the file's path.
std::string shipped_config(const std::string& text) {
  const std::string dir = ts::temp_dir("cnss-check-shipped");
  std::filesystem::create_directories(dir + "/conf");
  std::filesystem::create_directories(dir + "/certs");
  std::filesystem::create_directory_symlink(ts::pki_dir(), dir + "/certs/dev");
  // hub.web_dir (../build/web): the built pages' folder, which check wants to exist.
  std::filesystem::create_directories(dir + "/build/web");
  // hub.mappings_dir (../mappings): check compiles the set and resolves the names it is given.
  std::filesystem::create_directory_symlink(ts::source_dir() + "/mappings", dir + "/mappings");
  std::ofstream(dir + "/conf/hub.yaml") << text;
  return dir + "/conf/hub.yaml";
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CheckConfig, ShippedConfigurationIsValid) {
  ts::pki_dir();
  // conf/hub.yaml refers to certs/dev; validate it against the test PKI by copying it beside one.
  const std::string dir = ts::temp_dir("cnss-check");
  std::ofstream(dir + "/hub.yaml") << ts::hub_test_config(dir, {});
  auto r = ts::run_command({hub_bin(), "check", "--config", dir + "/hub.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("configuration is valid"), std::string::npos);
}

TEST(CheckConfig, BrokenConfigurationIsReportedWithPositions) {
  const std::string dir = ts::temp_dir("cnss-check");
  const std::string file = dir + "/broken.yaml";
  std::ofstream(file) << "hub:\n"
                         "  threads: many\n"  // line 2: wrong type
                         "  data_dir: /tmp/x\n"
                         "  colour: blue\n"  // line 4: unknown key
                         "listeners:\n"
                         "  - name: internal\n"
                         "    port: 99999\n"  // line 7: out of range
                         "    interfaces: [ops]\n"
                         "    tls:\n"
                         "      certificate: /nonexistent/server.crt\n"  // line 10
                         "      key: /nonexistent/server.key\n"
                         "      client_ca: [/nonexistent/ca.crt]\n"
                         "store:\n"
                         "  engine: oracle\n"  // line 14: not allowed
                         "principals: []\n";
  auto r = ts::run_command({hub_bin(), "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(file + ":2:12: wrong_type:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":4:3: unknown_key:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":7:11: out_of_range:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":10:20: file_not_found:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(file + ":14:11: invalid_value:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(at /listeners/0/port)"), std::string::npos) << r.output;
}

TEST(CheckConfig, YamlSyntaxErrorHasItsPosition) {
  const std::string dir = ts::temp_dir("cnss-check");
  const std::string file = dir + "/syntax.yaml";
  std::ofstream(file) << "hub:\n  threads: 2\n  data_dir: [unclosed\n";
  auto r = ts::run_command({hub_bin(), "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(file + ":"), std::string::npos);
  EXPECT_NE(r.output.find(": yaml_syntax:"), std::string::npos) << r.output;
}

TEST(CheckConfig, ServeRefusesABrokenConfigurationWithoutServing) {
  const std::string dir = ts::temp_dir("cnss-check");
  const std::string file = dir + "/broken.yaml";
  std::ofstream(file) << "hub: {threads: 2}\n";
  auto r = ts::run_command({hub_bin(), "serve", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing_key"), std::string::npos) << r.output;
}

TEST(CheckConfig, ShippedConfHubYamlBindsEveryPrincipalToItsCa) {
  const std::string shipped = read_text(ts::source_dir() + "/conf/hub.yaml");
  auto ok = ts::run_command({hub_bin(), "check", "--config", shipped_config(shipped)});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;

  // Without their issuers, the partners' principals could be minted by any partner's CA: the
  // partners listener trusts a bundle of them all.
  const std::string unbound = std::regex_replace(
      shipped, std::regex("\n    issuer: CN=(?!CNSS )[A-Z]+ Development Root CA[^\n]*"), "");
  std::vector<std::string> partners;
  const std::regex partner_principal("  - name: ([a-z]+)\n    subject: CN=[a-z]+-cnss-exchange");
  for (std::sregex_iterator it(unbound.begin(), unbound.end(), partner_principal), end; it != end;
       ++it) {
    partners.push_back((*it)[1]);
  }
  ASSERT_GE(partners.size(), 4u);
  const std::string cas = std::to_string(ts::certificates_in(ts::pki("ca/partners.crt")));
  const std::string file = shipped_config(unbound);
  auto r = ts::run_command({hub_bin(), "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  for (const auto& name : partners) {
    const int line = line_of(unbound, "  - name: " + name);
    EXPECT_NE(
        r.output.find(file + ":" + std::to_string(line) + ":5: missing_key: principal '" + name +
                      "' has no issuer, and listener 'partners' trusts " + cas + " CAs"),
        std::string::npos)
        << name << ":\n"
        << r.output;
  }
  EXPECT_NE(r.output.find("(at /principals/2/issuer)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::to_string(partners.size()) + " problems found"), std::string::npos)
      << r.output;
  // serve reads the same configuration the same way, and serves nothing.
  auto serve = ts::run_command({hub_bin(), "serve", "--config", file});
  EXPECT_EQ(serve.exit_code, 2) << serve.output;
  EXPECT_NE(serve.output.find("has no issuer"), std::string::npos) << serve.output;
}

TEST(CheckConfig, MalformedIssuerKeyIdIsReportedWithItsPosition) {
  const std::string dir = ts::temp_dir("cnss-check");
  ts::HubOptions o;
  o.dgct_principal_extra = "    issuer_key_id: 76:AE:CC:5G\n";
  const std::string text = ts::hub_test_config(dir, o);
  std::ofstream(dir + "/hub.yaml") << text;
  auto r = ts::run_command({hub_bin(), "check", "--config", dir + "/hub.yaml"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const int line = line_of(text, "issuer_key_id:");
  EXPECT_NE(r.output.find(dir + "/hub.yaml:" + std::to_string(line) +
                          ":20: invalid_value: '76:AE:CC:5G' is not a key identifier"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(at /principals/2/issuer_key_id)"), std::string::npos) << r.output;
}

// "line:col" of the first `needle` in `text` (1-based), or "" when absent.
std::string position_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return "";
  const auto line_start = text.rfind('\n', at);
  const std::size_t column = line_start == std::string::npos ? at + 1 : at - line_start;
  return std::to_string(line_of(text, needle)) + ":" + std::to_string(column);
}

// The shipped configuration with `from` replaced by `to`: check refuses it with `code` at the
// position of `to`'s `at` part; serve refuses it too, before serving.
void refused_at(const std::string& from, const std::string& to, const std::string& at,
                const std::string& code) {
  std::string text = read_text(ts::source_dir() + "/conf/hub.yaml");
  const auto where = text.find(from);
  ASSERT_NE(where, std::string::npos) << from;
  text.replace(where, from.size(), to);
  const std::string file = shipped_config(text);
  auto r = ts::run_command({hub_bin(), "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const std::string position = position_of(text, at);
  EXPECT_NE(r.output.find(file + ":" + position + ": " + code + ":"), std::string::npos)
      << "expected " << position << ": " << code << "\n"
      << r.output;
  EXPECT_NE(r.output.find("1 problem found"), std::string::npos) << r.output;
}

TEST(CheckConfig, AnUnknownAdapterOptionIsRefusedAtItsKey) {
  refused_at("options: {organisme: CNSS}", "options: {organisme: CNSS, organism: CNSS}",
             "organism:", "unknown_option");
}

TEST(CheckConfig, AnAdapterOptionOfTheWrongTypeIsRefusedAtItsValue) {
  refused_at("options: {organisme: CNSS}", "options: {organisme: [CNSS, DGSN]}", "[CNSS, DGSN]",
             "wrong_type");
}

TEST(CheckConfig, AMissingMappingIsRefusedAtItsName) {
  refused_at("mapping: dgct.family", "mapping: dgct.famille", "dgct.famille", "unknown_mapping");
}

TEST(CheckConfig, AnEventsSourcesMissingMappingIsRefusedAtItsName) {
  refused_at("mapping: dgct.civil_event", "mapping: dgct.civil_events", "dgct.civil_events",
             "unknown_mapping");
}

TEST(CheckConfig, AMissingAdapterIsRefusedAtItsName) {
  refused_at("options: {organisme: CNSS}", "adapter: dgsm\n    options: {organisme: CNSS}", "dgsm",
             "unknown_adapter");
}

TEST(CheckConfig, AnOperationTheAdapterDoesNotHaveIsRefusedAtItsName) {
  refused_at("operation: identity", "operation: identite", "identite", "unknown_operation");
}

// An agreement whose principal lacks the role `partner` could never be read under: check refuses
// it at the agreement's principal (hub/agreements/roles.hpp).
TEST(CheckConfig, AnAgreementsPrincipalWithoutThePartnerRoleIsRefusedAtIt) {
  std::string text = read_text(ts::source_dir() + "/conf/hub.yaml");
  const std::string from = "  dgi_attestation:\n    principal: dgi\n";
  const auto where = text.find(from);
  ASSERT_NE(where, std::string::npos);
  text.replace(where, from.size(), "  dgi_attestation:\n    principal: agency-casa-anfa\n");
  const std::string file = shipped_config(text);
  auto r = ts::run_command({hub_bin(), "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const int line = line_of(text, "    principal: agency-casa-anfa");
  EXPECT_NE(r.output.find(file + ":" + std::to_string(line) + ":16: principal_without_role:"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(at /agreements/dgi_attestation/principal)"), std::string::npos)
      << r.output;
}

TEST(CheckConfig, ServeRefusesAMissingMappingAsCheckDoes) {
  std::string text = read_text(ts::source_dir() + "/conf/hub.yaml");
  text.replace(text.find("mapping: dgct.family"), 20, "mapping: dgct.famille");
  auto serve = ts::run_command({hub_bin(), "serve", "--config", shipped_config(text)});
  EXPECT_NE(serve.exit_code, 0) << serve.output;
  EXPECT_NE(serve.output.find("unknown_mapping: no mapping 'dgct.famille'"), std::string::npos)
      << serve.output;
}

}  // namespace
