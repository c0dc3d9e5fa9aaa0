// A fixture for store tests: a store opened (migrations applied) on the engine named by the
// test's parameter ("sqlite" or "postgresql"; skipped when PostgreSQL is not available).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "unit/store/engines.hpp"

namespace hub::store {

class StoreOnEngine : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    auto s = open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

}  // namespace hub::store
