#include "hub/mapping/cli.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hub::mapping {
namespace {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun cli(std::vector<std::string> args) {
  args.insert(args.begin(), "mapping");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

const std::string kSet = std::string(CNSS_SOURCE_DIR) + "/mappings";

TEST(MappingCli, CheckPassesOnTheShippedMappingSet) {
  auto r = cli({"check", kSet});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(MappingCli, CheckOneFile) {
  auto r = cli({"check", kSet + "/ompic/company_event.yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 mapping(s)"), std::string::npos) << r.out;
}

TEST(MappingCli, CheckReportsPositionedErrors) {
  const std::string dir = ::testing::TempDir() + "/cli-bad-set-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::copy(kSet, dir, std::filesystem::copy_options::recursive);
  std::ofstream(dir + "/dgi/broken.yaml")
      << "mapping: dgi.broken\nversion: 1\ntarget: taxpayer\n"
         "source: {format: json, root: /}\nfields:\n  fiscal: x\n";
  auto r = cli({"check", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(dir + "/dgi/broken.yaml:6:3: unknown_field: fields.fiscal: "),
            std::string::npos)
      << r.err;
}

TEST(MappingCli, RunPrintsTheRecordWithProvenance) {
  auto r = cli({"run", "--mapping", kSet + "/dgsn/identity.yaml", "--input",
                kSet + "/dgsn/cases/identity.full.xml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"record\":{\"cnie\":\"BK123456\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"provenance\":{\"mapping\":\"dgsn.identity\",\"version\":1"),
            std::string::npos);
}

TEST(MappingCli, RunSaysClearlyWhyAPayloadIsRefused) {
  auto r = cli({"run", "--mapping", kSet + "/dgsn/identity.yaml", "--input",
                kSet + "/dgsn/cases/identity.truncated.xml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("malformed_response (xml_truncated)"), std::string::npos) << r.err;
  r = cli({"run", "--mapping", kSet + "/dgsn/identity.yaml", "--input", "/nonexistent"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
}

TEST(MappingCli, RunAReverseMapping) {
  auto r = cli({"run", "--mapping", kSet + "/dgi/affiliation_attestation.yaml", "--input",
                kSet + "/dgi/cases/affiliation_attestation.active_with_employees.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"statut\":\"AFFILIE_ACTIF\""), std::string::npos) << r.out;
}

TEST(MappingCli, UsageErrors) {
  EXPECT_EQ(cli({}).code, 2);
  EXPECT_EQ(cli({"frobnicate"}).code, 2);
  EXPECT_EQ(cli({"run", "--mapping"}).code, 2);
}

}  // namespace
}  // namespace hub::mapping
