// Registrations per second with their history, on both engines. Runs only when
// CNSS_REGISTRY_BENCH is set to the number of registrations (CNSS_REGISTRY_BENCH_THREADS
// threads, 4 by default); each registration draws a number, then commits in one transaction a
// person, an insured person and a family stream, three events and the idempotent answer.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

class Throughput : public RegistryTest {};

TEST_P(Throughput, RegistrationsPerSecondWithHistory) {
  const char* n_env = std::getenv("CNSS_REGISTRY_BENCH");
  if (n_env == nullptr) GTEST_SKIP() << "set CNSS_REGISTRY_BENCH=<registrations> to measure";
  const int n = std::atoi(n_env);
  const char* t_env = std::getenv("CNSS_REGISTRY_BENCH_THREADS");
  const int threads = t_env ? std::max(1, std::atoi(t_env)) : 4;
  for (int i = 0; i < n; ++i) {
    const std::string cnie = "B" + std::to_string(100000 + i);
    facts_.people[cnie] = facts_with_provenance(
        person_record(
            cnie, "NAME", "First", "F", "1990-01-01",
            R"({"spouses":[{"cnie":"S1","last_name":"X","first_name":"Y","sex":"M","status":"married"}],"children":[{"last_name":"X","first_name":"Z","birth_date":"2015-01-01","birth_act":{"number":"1/2015","commune":"Rabat"}}]})"),
        R"({"dgsn":{"status":"ok"},"dgct":{"status":"ok"}})");
  }
  std::atomic<int> failures{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = t; i < n; i += threads) {
        const std::string cnie = "B" + std::to_string(100000 + i);
        auto r = run(registry_->register_insured(
            R"({"cnie":")" + cnie + R"(","category":"SALARIE","rib":")" + kRib + "\"}",
            agent("bench-" + std::to_string(i))));
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures, 0);
  std::printf("[ figures  ] %s: %d registrations with history, %d threads, %.2f s: %.0f/s\n",
              GetParam().c_str(), n, threads, s, n / s);
  auto page = store_->list_records("insured", "", static_cast<std::size_t>(n) + 1);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), static_cast<std::size_t>(n));
}

INSTANTIATE_TEST_SUITE_P(Engines, Throughput, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
