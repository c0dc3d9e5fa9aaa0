// Differences between two versions: the YAML's unified diff, the cases that changed.
#include <gtest/gtest.h>

#include "hub/workbench/diff.hpp"

using namespace hub::workbench;

TEST(UnifiedDiff, GivesTheChangedLinesWithContext) {
  const std::string a = "a\nb\nc\nd\ne\nf\ng\nh\n";
  const std::string b = "a\nb\nc\nd\nE\nf\ng\nh\n";
  const std::string d = unified_diff(a, b, "x@1", "x@2");
  EXPECT_EQ(d.rfind("--- x@1\n+++ x@2\n@@ ", 0), 0u) << d;
  EXPECT_NE(d.find("\n-e\n+E\n"), std::string::npos) << d;
  EXPECT_NE(d.find("\n b\n"), std::string::npos) << d;  // 3 lines of context
  EXPECT_EQ(d.find("\n a\n"), std::string::npos) << d;
  EXPECT_EQ(unified_diff(a, a, "x@1", "x@1"), "");
}

TEST(CasesChanged, NamesCasesAddedRemovedOrChanged) {
  MappingFiles a{"dgsn.identity", "dgsn/identity.yaml", "", {}};
  a.cases = {{"identity.full.xml", "1"},
             {"identity.full.expected.json", "{}"},
             {"identity.gone.xml", "2"},
             {"identity.same.xml", "3"}};
  MappingFiles b = a;
  b.cases.erase("identity.gone.xml");
  b.cases["identity.full.expected.json"] = "{\"record\":{}}";
  b.cases["identity.new.json"] = "{}";
  EXPECT_EQ(cases_changed(a, b), (std::vector<std::string>{"full", "gone", "new"}));
}
