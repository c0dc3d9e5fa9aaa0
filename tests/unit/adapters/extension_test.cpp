// A partner is an extension (issue 11): its name is spelled in adapters/<partner>/, mappings/,
// conf/ and sim/, never in the hub's code. Comments may name partners (a contract's source, an
// example); code may not: a rule or branch that names one is knowledge to move to the partner's
// adapter, mapping or configuration.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/pki.hpp"

namespace {
namespace fs = std::filesystem;

// The partners: one folder each under adapters/.
std::vector<std::string> partners() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(testing_support::source_dir() + "/adapters")) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  return out;
}

// The text without its comments (// to the end of the line, /* ... */); a "//" inside a string
// literal cuts the rest of that line, which can only hide a name, never invent one.
std::string code_of(const std::string& text) {
  static const std::regex comments(R"(/\*[\s\S]*?\*/|//[^\n]*)");
  return std::regex_replace(text, comments, "");
}

TEST(Extension, TheHubsCodeNamesNoPartner) {
  const auto names = partners();
  ASSERT_GE(names.size(), 5u);
  std::string alternatives;
  for (const auto& n : names) alternatives += (alternatives.empty() ? "" : "|") + n;
  const std::regex partner("\\b(" + alternatives + ")\\b", std::regex::icase);
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(testing_support::source_dir() + "/hub")) {
    const auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
    ++files;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string code = code_of(text.str());
    std::smatch m;
    if (std::regex_search(code, m, partner)) {
      ADD_FAILURE() << e.path() << " names the partner '" << m.str() << "' in its code: ..."
                    << m.prefix().str().substr(m.prefix().length() > 60 ? m.prefix().length() - 60
                                                                        : 0)
                    << m.str() << "...";
    }
  }
  EXPECT_GT(files, 100u);
}

TEST(Extension, CommentsAreNotCode) {
  EXPECT_EQ(code_of("a(); // dgsn\nb(); /* ompic\n */ c();"), "a(); \nb();  c();");
}

}  // namespace
