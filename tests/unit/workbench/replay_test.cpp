// Replay over the project's mappings: a draft that reads one field from a renamed element loses
// that field, and only it, in every answer that had it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <utility>

#include "hub/mapping/yaml_source.hpp"
#include "hub/text/utf8.hpp"
#include "hub/workbench/build.hpp"
#include "hub/workbench/replay.hpp"

namespace fs = std::filesystem;
using namespace hub::workbench;

namespace {

const fs::path kSet = fs::path(CNSS_SOURCE_DIR) / "mappings";

struct Compiled {
  std::vector<MappingFiles> set;
  MappingFiles identity;
};

Compiled project() {
  Compiled c;
  c.set = read_mapping_files(kSet).value();
  for (const auto& m : c.set)
    if (m.id == "dgsn.identity") c.identity = m;
  return c;
}

std::string input(const std::string& name) {
  return hub::mapping::read_file(kSet / "dgsn" / "cases" / name).value();
}

TEST(Replay, CountsTheFieldADraftNoLongerGives) {
  auto c = project();
  auto published = compile_set(kSet, c.set);
  ASSERT_TRUE(published.ok());
  MappingFiles draft = c.identity;
  const auto at = draft.yaml.find("path: c:LieuNaissance");
  ASSERT_NE(at, std::string::npos);
  draft.yaml.replace(at, 21, "path: c:LieuDeNaissance");
  auto compiled = compile_one(kSet, c.set, draft, false);
  ASSERT_TRUE(compiled.ok());
  const std::vector<std::string> answers = {input("identity.full.xml"), input("identity.full.xml"),
                                            input("identity.fault_not_found.xml")};
  const std::string json =
      replay_json(*published.snapshot, *compiled.snapshot, "dgsn.identity", answers);
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  EXPECT_EQ(d["sample_size"].GetInt(), 3);
  EXPECT_EQ(d["changed_answers"].GetInt(), 2) << json;  // the fault reads the same on both sides
  EXPECT_EQ(d["failed_draft"].GetInt(), 0);
  ASSERT_EQ(d["fields"].Size(), 1u) << json;
  EXPECT_STREQ(d["fields"][0]["path"].GetString(), "/birth_place");
  EXPECT_EQ(d["fields"][0]["only_published"].GetInt(), 2);
  EXPECT_EQ(d["fields"][0]["examples"].Size(), 2u);
  EXPECT_TRUE(d["fields"][0]["examples"][0]["draft"].IsNull());
}

TEST(Replay, TheSameMappingChangesNothing) {
  auto c = project();
  auto published = compile_set(kSet, c.set);
  ASSERT_TRUE(published.ok());
  const std::string json = replay_json(*published.snapshot, *published.snapshot, "dgsn.identity",
                                       {input("identity.full.xml")});
  EXPECT_EQ(json,
            R"({"sample_size":1,"compared":1,"changed_answers":0,"failed_draft":0,"fields":[]})");
}

TEST(Diagnostics, SpanTheTokenAtTheirPosition) {
  auto c = project();
  MappingFiles draft = c.identity;
  const auto at = draft.yaml.find("transform: [collapse_spaces]");
  ASSERT_NE(at, std::string::npos);
  draft.yaml.replace(at, 28, "transform: [collapse_spacez]");
  auto report = compile_one(kSet, c.set, draft, false);
  ASSERT_FALSE(report.ok());
  rapidjson::Document d;
  const std::string json = diagnostics_json(report.diagnostics, draft);
  d.Parse(json.c_str());
  ASSERT_EQ(d.Size(), 1u) << json;
  EXPECT_STREQ(d[0]["file"].GetString(), "dgsn/identity.yaml");
  EXPECT_EQ(d[0]["end_col"].GetInt() - d[0]["col"].GetInt(), 15) << json;  // collapse_spacez
  EXPECT_EQ(d[0]["end_line"].GetInt(), d[0]["line"].GetInt());
}

// Names are personal (mappings/canonical/person.yaml): a replay's examples mask them by character,
// Arabic ones too, keeping enough to see a change of case and nothing that identifies.
TEST(Replay, ExamplesOfPersonalFieldsAreMaskedByCharacter) {
  auto c = project();
  auto published = compile_set(kSet, c.set);
  ASSERT_TRUE(published.ok());
  MappingFiles draft = c.identity;
  for (auto [from, to] :
       {std::pair<std::string, std::string>{"[collapse_spaces, title]", "[collapse_spaces, upper]"},
        {"path: c:Nom/c:Arabe", "path: c:Prenom/c:Arabe"}}) {
    const auto at = draft.yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    draft.yaml.replace(at, from.size(), to);
  }
  auto compiled = compile_one(kSet, c.set, draft, false);
  ASSERT_TRUE(compiled.ok());
  const std::string json = replay_json(*published.snapshot, *compiled.snapshot, "dgsn.identity",
                                       {input("identity.full.xml")});
  EXPECT_TRUE(hub::text::valid_utf8(json));
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  std::map<std::string, std::pair<std::string, std::string>> examples;
  for (const auto& f : d["fields"].GetArray())
    examples[f["path"].GetString()] = {f["examples"][0]["published"].GetString(),
                                       f["examples"][0]["draft"].GetString()};
  EXPECT_EQ(examples["/first_name"],
            std::make_pair(std::string("Fa********ra"), std::string("FA********RA")))
      << json;
  // العمراني (8 letters) and فاطمة الزهراء (13 characters).
  EXPECT_EQ(examples["/last_name_ar"],
            std::make_pair(std::string("\u0627\u0644****\u0646\u064a"),
                           std::string("\u0641\u0627*********\u0627\u0621")))
      << json;
  for (const char* clear : {"Fatima", "FATIMA", "\u0627\u0644\u0639\u0645\u0631"})
    EXPECT_EQ(json.find(clear), std::string::npos) << clear;
}

}  // namespace
