#include "hub/core/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string temp_folder() {
  char tmpl[] = "/tmp/cnss-files-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  EXPECT_NE(made, nullptr);
  return made;
}

TEST(Files, FoldersTheHubCreatesAreOwnerOnlyAndExistingOnesKeepTheirMode) {
  const std::string root = temp_folder();
  ::chmod(root.c_str(), 0755);
  ASSERT_TRUE(hub::create_private_directories(root + "/a/b"));
  EXPECT_EQ(mode_of(root), 0755u);
  EXPECT_EQ(mode_of(root + "/a"), 0700u);
  EXPECT_EQ(mode_of(root + "/a/b"), 0700u);
  ASSERT_TRUE(hub::create_private_directories(root + "/a/b"));  // again: nothing to do

  std::ofstream(root + "/plain") << "x";
  auto not_a_folder = hub::create_private_directories(root + "/plain");
  ASSERT_FALSE(not_a_folder);
  EXPECT_EQ(not_a_folder.error().wire_code(), "file_error");
  std::system(("rm -rf " + root).c_str());
}

TEST(Files, AFileIsMadeOwnerOnlyWhetherNewOrNot) {
  const std::string root = temp_folder();
  ASSERT_TRUE(hub::make_owner_only(root + "/new.db"));
  EXPECT_EQ(mode_of(root + "/new.db"), 0600u);
  std::ofstream(root + "/old.db") << "data";
  ::chmod((root + "/old.db").c_str(), 0644);
  ASSERT_TRUE(hub::make_owner_only(root + "/old.db"));
  EXPECT_EQ(mode_of(root + "/old.db"), 0600u);
  std::ifstream in(root + "/old.db");
  std::string kept;
  in >> kept;
  EXPECT_EQ(kept, "data");  // never truncated
  EXPECT_FALSE(hub::make_owner_only(root + "/missing/x.db"));
  std::system(("rm -rf " + root).c_str());
}

}  // namespace
