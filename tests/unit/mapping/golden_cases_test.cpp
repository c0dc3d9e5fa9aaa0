// Every shipped mapping passes its golden cases, through the same runner as the CLI.
#include "hub/mapping/cases.hpp"
#include "hub/mapping/engine.hpp"

#include <gtest/gtest.h>

namespace hub::mapping {
namespace {

const std::filesystem::path kSet = std::filesystem::path(CNSS_SOURCE_DIR) / "mappings";

const LoadReport& shipped() {
  static const LoadReport report = load_mapping_set(kSet);
  return report;
}

class GoldenCases : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCases, AllPass) {
  const LoadReport& r = shipped();
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics.front().str());
  auto m = r.snapshot->find(GetParam());
  ASSERT_NE(m, nullptr);
  Diagnostics diags;
  auto cases = run_cases(*r.snapshot, *m, diags);
  EXPECT_GE(cases.size(), 3u) << "every mapping is proven by several cases";
  for (const auto& c : cases) EXPECT_TRUE(c.passed) << c.name << ": " << c.message;
  EXPECT_TRUE(diags.empty());
}

INSTANTIATE_TEST_SUITE_P(Shipped, GoldenCases,
                         ::testing::Values("dgsn.identity", "dgct.family", "dgct.civil_event",
                                           "ompic.company", "ompic.company_event", "dgi.taxpayer",
                                           "dgi.affiliation_attestation"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

TEST(GoldenCasesSet, EveryMappingIsServedAndCovered) {
  const LoadReport& r = shipped();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.snapshot->size(), 7u);
  EXPECT_GE(r.cases.size(), 80u);
}

}  // namespace
}  // namespace hub::mapping
