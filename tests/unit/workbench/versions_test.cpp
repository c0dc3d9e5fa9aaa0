// Seeding the store's published set, on both engines: an empty store gets every mapping and code
// table as version 1; a store seeded before code tables were versioned gets its tables, once,
// without touching its mappings.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "hub/workbench/versions.hpp"
#include "unit/store/engines.hpp"

namespace fs = std::filesystem;
using namespace hub::workbench;

namespace {

const fs::path kSet = fs::path(CNSS_SOURCE_DIR) / "mappings";

class Seeding : public ::testing::TestWithParam<std::string> {};

std::size_t tables_in(const std::vector<Version>& vs) {
  return static_cast<std::size_t>(
      std::count_if(vs.begin(), vs.end(), [](const Version& v) { return v.files.is_table(); }));
}

TEST_P(Seeding, AnEmptyStoreGetsEveryMappingAndTable) {
  hub::testing::TestDatabase db(GetParam());
  if (!db.available()) GTEST_SKIP() << db.skip_reason();
  auto store = hub::store::open(db.options());
  ASSERT_TRUE(store) << store.error().message;
  auto all = read_mapping_files(kSet);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_TRUE(seed_if_empty(**store, *all, "configuration", 1).value());
  EXPECT_FALSE(seed_if_empty(**store, *all, "configuration", 2).value());  // once
  auto latest = latest_versions(**store).value();
  EXPECT_EQ(latest.size(), all->size());
  EXPECT_GT(tables_in(latest), 10u);
  EXPECT_EQ(set_version(**store).value(), 1);
  auto table = version_of(**store, "table.dgsn_card_status", 1);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->meta.kind, "seed");
  EXPECT_EQ(table->files.file, "tables/dgsn_card_status.yaml");
}

TEST_P(Seeding, AStoreWithoutTablesGetsThemOnceAndKeepsItsMappings) {
  hub::testing::TestDatabase db(GetParam());
  if (!db.available()) GTEST_SKIP() << db.skip_reason();
  auto store = hub::store::open(db.options());
  ASSERT_TRUE(store) << store.error().message;
  auto all = read_mapping_files(kSet).value();
  std::vector<MappingFiles> mappings;
  for (const auto& m : all)
    if (!m.is_table()) mappings.push_back(m);
  ASSERT_TRUE(seed_if_empty(**store, mappings, "configuration", 1).value());
  EXPECT_EQ(tables_in(latest_versions(**store).value()), 0u);
  ASSERT_TRUE(seed_if_empty(**store, all, "configuration", 2).value());
  auto latest = latest_versions(**store).value();
  EXPECT_EQ(latest.size(), all.size());
  EXPECT_EQ(tables_in(latest), all.size() - mappings.size());
  for (const auto& v : latest) EXPECT_EQ(v.meta.version, 1) << v.meta.mapping;
  EXPECT_EQ(set_version(**store).value(), 2);
  EXPECT_FALSE(seed_if_empty(**store, all, "configuration", 3).value());
  EXPECT_EQ(set_version(**store).value(), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, Seeding, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
