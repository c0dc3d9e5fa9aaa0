// The journal key file: created once with owner-only access, read back unchanged, and refused
// when it could not be the key.
#include "hub/audit/key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "unit/store/engines.hpp"

namespace hub::audit {
namespace {

namespace fs = std::filesystem;

class KeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cnss-key-" + testing::random_suffix()) / "data";
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }
  std::string key_path() const { return (dir_ / "audit.key").string(); }
  fs::path dir_;
};

TEST_F(KeyTest, CreatedOnceWithOwnerOnlyAccessThenReadBack) {
  auto first = load_or_create_key(dir_.string());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->size(), kKeyBytes);
  struct stat st {};
  ASSERT_EQ(::stat(key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = load_or_create_key(dir_.string());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1)
      << "no temporary file is left behind";
}

TEST_F(KeyTest, TwoDataFoldersGetDifferentKeys) {
  auto a = load_or_create_key((dir_ / "a").string());
  auto b = load_or_create_key((dir_ / "b").string());
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST_F(KeyTest, WrongSizeIsRefusedNotReplaced) {
  fs::create_directories(dir_);
  std::ofstream(key_path()) << "short";
  fs::permissions(key_path(), fs::perms::owner_read | fs::perms::owner_write);
  auto key = load_or_create_key(dir_.string());
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("not a journal key"), std::string::npos);
  EXPECT_EQ(fs::file_size(key_path()), 5u) << "an existing key file is never overwritten";
}

TEST_F(KeyTest, KeyReadableByOthersIsRefused) {
  ASSERT_TRUE(load_or_create_key(dir_.string()));
  fs::permissions(key_path(), fs::perms::others_read, fs::perm_options::add);
  auto key = load_or_create_key(dir_.string());
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("chmod 600"), std::string::npos) << key.error().message;
}

}  // namespace
}  // namespace hub::audit
