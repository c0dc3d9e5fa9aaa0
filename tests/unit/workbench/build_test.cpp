// Compiling a set whose code tables are its own: a mapping is compiled against the table of the
// same set (not the configured folder's), and a table that breaks a mapping's case fails the set.
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/workbench/build.hpp"

namespace fs = std::filesystem;
using namespace hub::workbench;

namespace {

const fs::path kSet = fs::path(CNSS_SOURCE_DIR) / "mappings";

MappingFiles table_of(const std::vector<MappingFiles>& set, const std::string& id) {
  for (const auto& m : set)
    if (m.id == id) return m;
  ADD_FAILURE() << "no " << id;
  return {};
}

TEST(CompileWith, TheSetsOwnTablesAreThoseTheMappingsUse) {
  auto set = read_mapping_files(kSet);
  ASSERT_TRUE(set) << set.error().message;
  MappingFiles table = table_of(*set, "table.dgsn_card_status");
  EXPECT_EQ(table.file, "tables/dgsn_card_status.yaml");
  EXPECT_TRUE(table.is_table());
  EXPECT_TRUE(compile_with(kSet, *set, table).ok());
  // dgsn.identity's case unknown_card_state expects SUSPENDUE to be no code of the table.
  table.yaml += "  SUSPENDUE: cancelled\n";
  auto broken = compile_with(kSet, *set, table);
  EXPECT_FALSE(broken.ok());
  int failed = 0;
  for (const auto& c : broken.cases)
    if (!c.passed) {
      ++failed;
      EXPECT_EQ(c.mapping_id, "dgsn.identity");
      EXPECT_EQ(c.name, "identity.unknown_card_state.xml");
    }
  EXPECT_EQ(failed, 1);
}

}  // namespace
