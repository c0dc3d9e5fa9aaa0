// `cnss-hub check`: a broken configuration is refused with every problem's file:line:col.
#include <gtest/gtest.h>

#include <fstream>

#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace ts = testing_support;

namespace {

std::string hub_bin() {
  return ts::binary_dir() + "/bin/cnss-hub";
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

}  // namespace
