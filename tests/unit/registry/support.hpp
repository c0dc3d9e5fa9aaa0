// What the registry suites share: a registry over a test database (both engines), a fake fact
// source, a pinned clock, and a way to run a coroutine to completion.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "hub/registry/json.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/streams.hpp"
#include "unit/registry/fake_facts.hpp"
#include "unit/store/engines.hpp"

namespace hub::registry::testing {

Result<Outcome> run(boost::asio::awaitable<Result<Outcome>> op);

inline constexpr const char* kRib = "001810007800020110620318";
inline constexpr const char* kIce = "001561191000066";

Caller agent(std::string key = "");
Caller supervisor(std::string key = "");        // holds the override role
json::Doc body_of(const Result<Outcome>& a);    // a copy of the view ({} for an error)
std::string text_of(const Result<Outcome>& a);  // the view as JSON text

class RegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  // Registers `cnie` (known to the fake) as SALARIE and returns the immatriculation number.
  std::string register_person(const std::string& cnie, const std::string& category = "SALARIE");

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  FakeFacts facts_;
  FixedClock clock_{Date{2026, 11, 27}};
  std::unique_ptr<Registry> registry_;
};

}  // namespace hub::registry::testing
