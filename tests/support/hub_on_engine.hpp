// A fixture for integration tests of the registry: the real simulators and a real hub process on
// the store engine named by the test's parameter ("sqlite" or "postgresql"; skipped when
// PostgreSQL is not available), serving the project's mappings.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/hub_process.hpp"
#include "support/sim_process.hpp"
#include "unit/store/engines.hpp"

namespace testing_support {

class HubOnEngine : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    sim_ = std::make_unique<SimProcess>();
    options_.mappings = true;
    // Generous timeouts: these tests are about registrations, not partner latency, and CI runs
    // them beside other process-heavy tests on two cores.
    options_.partners_yaml = partners_for_sim(sim_->ports(), "", 3000);
    options_.exchange_yaml = default_exchange_yaml(8000);
    const auto o = db_->options();
    options_.store_yaml = store_yaml(GetParam(), o.path, o.url);
    tune(options_);
    start();
  }
  // Changes the hub's options before its first start.
  virtual void tune(HubOptions&) {}
  // Starts the hub; again after a stop, on the same data folder, database and ports.
  void start() {
    hub_ = std::make_unique<HubProcess>(options_);
    options_.dir = hub_->dir();
  }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<SimProcess> sim_;
  HubOptions options_;
  std::unique_ptr<HubProcess> hub_;
};

}  // namespace testing_support
