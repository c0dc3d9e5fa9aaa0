// A mapping as the workbench stores it: read from a mappings folder, to JSON and back, byte for
// byte, golden cases that are not UTF-8 included.
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/text/utf8.hpp"
#include "hub/workbench/files.hpp"

namespace fs = std::filesystem;
using namespace hub::workbench;

namespace {

const fs::path kSet = fs::path(CNSS_SOURCE_DIR) / "mappings";

TEST(MappingFiles, ReadsEveryMappingWithItsCases) {
  auto all = read_mapping_files(kSet);
  ASSERT_TRUE(all) << all.error().message;
  const MappingFiles* identity = nullptr;
  for (const auto& m : *all)
    if (m.id == "dgsn.identity") identity = &m;
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(identity->file, "dgsn/identity.yaml");
  EXPECT_EQ(identity->partner_dir(), "dgsn");
  EXPECT_EQ(identity->stem(), "identity");
  EXPECT_EQ(identity->cases.count("identity.full.xml"), 1u);
  EXPECT_EQ(identity->cases.count("identity.full.expected.json"), 1u);
  for (const auto& [name, text] : identity->cases) EXPECT_EQ(name.rfind("identity.", 0), 0u);
}

TEST(MappingFiles, JsonKeepsBytesThatAreNotUtf8) {
  MappingFiles m{"dgsn.identity", "dgsn/identity.yaml", "mapping: dgsn.identity\n", {}};
  m.cases["identity.bad.xml"] = std::string("<a>\xff\xfe</a>");
  m.cases["identity.bad.expected.json"] = "{\"error\": \"malformed_response\"}";
  const std::string json = to_json(m);
  EXPECT_TRUE(hub::text::valid_utf8(json));  // what PostgreSQL's text columns accept
  auto back = mapping_files_from_json(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->file, m.file);
  EXPECT_EQ(back->yaml, m.yaml);
  EXPECT_EQ(back->cases, m.cases);
}

TEST(MappingFiles, StoredJsonThatDoesNotReadBackIsAnError) {
  EXPECT_FALSE(mapping_files_from_json("{\"id\": 1}"));
  EXPECT_FALSE(
      mapping_files_from_json("{\"id\":\"a\",\"file\":\"b\",\"yaml\":{\"base64\":\"!!\"}}"));
}

}  // namespace
