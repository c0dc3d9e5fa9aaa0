// Every shipped mapping passes its golden cases, through the same runner as the CLI.
#include "hub/mapping/cases.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/mapping/xml_records.hpp"

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

// Every mapping of the shipped set, so that a new partner's mappings are covered without an edit
// here.
std::vector<std::string> shipped_ids() {
  const LoadReport& r = shipped();
  return r.snapshot ? r.snapshot->ids() : std::vector<std::string>{};
}

// The mapping files of the set: every *.yaml in a partner folder (not canonical/, tables/).
std::size_t mapping_files() {
  std::size_t n = 0;
  for (const auto& dir : std::filesystem::directory_iterator(kSet)) {
    const std::string name = dir.path().filename().string();
    if (!dir.is_directory() || name == "canonical" || name == "tables") continue;
    for (const auto& f : std::filesystem::directory_iterator(dir.path()))
      n += f.is_regular_file() && f.path().extension() == ".yaml";
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shipped, GoldenCases, ::testing::ValuesIn(shipped_ids()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

// The same cases through pugixml's public accessors: the path every XML mapping takes if a
// future pugixml changes the node layout the evaluator reads inline (xml_records.hpp).
TEST(GoldenCasesSet, PassThroughPugixmlsAccessorsToo) {
  const LoadReport& r = shipped();
  ASSERT_TRUE(r.ok());
  const bool saved = xml::read_records;
  xml::read_records = false;
  std::size_t passed = 0, total = 0;
  for (const auto& id : r.snapshot->ids()) {
    Diagnostics diags;
    for (const auto& c : run_cases(*r.snapshot, *r.snapshot->find(id), diags)) {
      ++total;
      passed += c.passed;
      EXPECT_TRUE(c.passed) << id << " " << c.name << ": " << c.message;
    }
  }
  xml::read_records = saved;
  EXPECT_EQ(passed, total);
  EXPECT_GE(total, 80u);
}

TEST(GoldenCasesSet, EveryMappingIsServedAndCovered) {
  const LoadReport& r = shipped();
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r.snapshot->size(), 9u);  // DGSN, DGCT, OMPIC, DGI and ANRC ship nine
  EXPECT_EQ(r.snapshot->size(), mapping_files());
  EXPECT_GE(r.cases.size(), 100u);
}

}  // namespace
}  // namespace hub::mapping
