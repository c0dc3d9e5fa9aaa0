// Every command of every binary and script answers --help with its usage on standard output and
// exit status 0, and every binary answers --version with the CMake project's version.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/pki.hpp"
#include "support/process.hpp"

namespace ts = testing_support;

namespace {

// Standard output alone: the usage and the version are not diagnostics.
ts::RunResult run(const std::vector<std::string>& argv) {
  return ts::run_command(argv, false);
}

// The version in CMakeLists.txt's project(... VERSION x.y.z ...).
std::string project_version() {
  std::ifstream in(ts::source_dir() + "/CMakeLists.txt");
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string s = text.str();
  return std::regex_search(s, m, std::regex(R"(project\([^)]*VERSION ([0-9.]+))")) ? m[1].str()
                                                                                   : "";
}

struct Command {
  std::string binary;              // in build/bin
  std::vector<std::string> words;  // the subcommand
  std::string usage;               // what the usage line starts with
};

std::string bin(const std::string& name) {
  return ts::binary_dir() + "/bin/" + name;
}

class CommandHelp : public ::testing::TestWithParam<Command> {};

TEST_P(CommandHelp, HelpPrintsTheUsageAndExitsZero) {
  const auto& c = GetParam();
  if (!std::filesystem::exists(bin(c.binary))) GTEST_SKIP() << c.binary << " is not built";
  for (const char* flag : {"--help", "-h"}) {
    std::vector<std::string> argv{bin(c.binary)};
    argv.insert(argv.end(), c.words.begin(), c.words.end());
    argv.push_back(flag);
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << flag << "\n" << r.output;
    // "Usage:", then the command line (on the same line, or the next one).
    const auto usage = r.output.find("Usage:");
    ASSERT_NE(usage, std::string::npos) << flag << "\n" << r.output;
    EXPECT_NE(r.output.find(c.usage, usage), std::string::npos) << flag << "\n" << r.output;
  }
}

TEST_P(CommandHelp, VersionPrintsTheProjectVersion) {
  const auto& c = GetParam();
  if (!std::filesystem::exists(bin(c.binary))) GTEST_SKIP() << c.binary << " is not built";
  std::vector<std::string> argv{bin(c.binary)};
  argv.insert(argv.end(), c.words.begin(), c.words.end());
  argv.push_back("--version");
  auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string version = project_version();
  ASSERT_FALSE(version.empty());
  // "cnss-hub 0.1.0" and, built from a git checkout, " (git <12 hex digits>)".
  EXPECT_TRUE(std::regex_match(
      r.output, std::regex(c.binary + " " + version + R"(( \(git [0-9a-f]{12}\))?\n)")))
      << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Binaries, CommandHelp,
    ::testing::Values(Command{"cnss-hub", {}, "cnss-hub"},
                      Command{"cnss-hub", {"serve"}, "cnss-hub serve --config FILE"},
                      Command{"cnss-hub", {"check"}, "cnss-hub check --config FILE"},
                      Command{"cnss-hub", {"mapping"}, "cnss-hub mapping check"},
                      Command{"cnss-hub", {"mapping", "check"}, "cnss-hub mapping check"},
                      Command{"cnss-hub", {"mapping", "run"}, "cnss-hub mapping check"},
                      Command{"cnss-hub", {"audit"}, "cnss-hub audit verify --config FILE"},
                      Command{"cnss-hub", {"audit", "verify"}, "cnss-hub audit verify"},
                      Command{"cnss-hub", {"jobs"}, "cnss-hub jobs prefill FILE"},
                      Command{"cnss-hub", {"jobs", "prefill"}, "cnss-hub jobs prefill FILE"},
                      Command{"cnss-sim", {}, "cnss-sim serve"},
                      Command{"cnss-sim", {"serve"}, "cnss-sim serve --config FILE"},
                      Command{"cnss-sim", {"push"}, "cnss-sim push dgct|ompic"},
                      Command{"cnss-sim", {"push", "dgct"}, "cnss-sim push dgct|ompic"},
                      Command{"loadgen", {}, "loadgen --url"}),
    [](const auto& info) {
      std::string name = info.param.binary;
      for (const auto& w : info.param.words) name += "_" + w;
      for (auto& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

class ScriptHelp : public ::testing::TestWithParam<std::string> {};

// A script that takes arguments says how, and does nothing else (no build, no server started).
TEST_P(ScriptHelp, HelpPrintsTheUsageAndDoesNothing) {
  auto r = run({"bash", ts::source_dir() + "/" + GetParam(), "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Usage: " + GetParam()), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Scripts, ScriptHelp,
                         ::testing::Values("scripts/setup.sh", "scripts/test.sh", "scripts/run.sh",
                                           "bench/run-load.sh", "bench/run-registrations.sh",
                                           "bench/mapping-instructions.sh",
                                           "bench/run-journal-ab.sh", "bench/run-anchors.sh",
                                           "bench/run-jobs.sh", "certs/make-dev-pki.sh"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& ch : name) ch = std::isalnum(ch) ? ch : '_';
                           return name;
                         });

}  // namespace
