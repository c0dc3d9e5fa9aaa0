// Registrations per second, each with its full history (a number drawn, then one transaction
// writing the person, the insured person and the family with their events and the idempotent
// answer), on SQLite and — when CNSS_BENCH_PG_URL is set — on PostgreSQL. The partners are a
// fake that answers at once: this measures the registry and its store, not the network.
//   build/bin/bench_registry_register [--benchmark_min_time=2]
//   CNSS_BENCH_PG_URL="host=... port=... user=... dbname=..." build/bin/bench_registry_register
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>

#include "hub/registry/clock.hpp"
#include "hub/registry/registry.hpp"
#include "hub/store/store.hpp"
#include "unit/registry/fake_facts.hpp"

namespace {
using namespace hub::registry;

constexpr int kPeople = 50'000;
constexpr const char* kRib = "001810007800020110620318";

struct World {
  std::unique_ptr<hub::store::Store> store;
  testing::FakeFacts facts;
  FixedClock clock{Date{2026, 11, 27}};
  std::unique_ptr<Registry> registry;
  std::atomic<int> next{0};
  std::string prefix;
};

std::unique_ptr<World> make_world(const std::string& engine) {
  hub::store::Options o;
  o.engine = engine;
  std::random_device rd;
  const std::string tag = std::to_string(rd() % 1'000'000);
  if (engine == "sqlite") {
    o.path = (std::filesystem::temp_directory_path() / ("cnss-bench-" + tag) / "hub.db").string();
  } else {
    const char* url = std::getenv("CNSS_BENCH_PG_URL");
    if (url == nullptr) return nullptr;
    o.url = url;
  }
  auto w = std::make_unique<World>();
  auto s = hub::store::open(o);
  if (!s) return nullptr;
  w->store = std::move(*s);
  // CNIEs of this run only, so that a reused PostgreSQL database never collides.
  w->prefix = "B" + std::string(1, static_cast<char>('A' + rd() % 26));
  for (int i = 0; i < kPeople; ++i) {
    const std::string cnie = w->prefix + std::to_string(100000 + i);
    w->facts.people[cnie] = testing::facts_with_provenance(
        testing::person_record(
            cnie, "NAME", "First", "F", "1990-01-01",
            R"({"spouses":[{"cnie":"S1","last_name":"X","first_name":"Y","sex":"M","status":"married"}],)"
            R"("children":[{"last_name":"X","first_name":"Z","birth_date":"2015-01-01",)"
            R"("birth_act":{"number":"1/2015","commune":"Rabat"}}]})"),
        R"({"person":{"status":"ok"},"family":{"status":"ok"}})");
  }
  w->registry = std::make_unique<Registry>(*w->store, w->facts, w->clock);
  return w;
}

bool register_one(World& w) {
  const int i = w.next.fetch_add(1);
  if (i >= kPeople) return false;
  const std::string cnie = w.prefix + std::to_string(100000 + i);
  Caller c;
  c.principal = "bench";
  c.correlation_id = "bench";
  c.idempotency_key = "bench-" + cnie;
  c.request_hash = "h";
  boost::asio::io_context ioc;
  bool ok = false;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        auto r = co_await w.registry->register_insured(
            R"({"cnie":")" + cnie + R"(","category":"SALARIE","rib":")" + kRib + "\"}", c);
        ok = r && r->effect == Effect::created;
      },
      boost::asio::detached);
  ioc.run();
  return ok;
}

void Register(benchmark::State& state, const std::string& engine) {
  // Made once, before any benchmark thread reads it (a function-local static is thread-safe).
  static const auto worlds = [] {
    std::map<std::string, std::unique_ptr<World>> m;
    m["sqlite"] = make_world("sqlite");
    m["postgresql"] = make_world("postgresql");
    return m;
  }();
  World* w = worlds.at(engine).get();
  if (w == nullptr) {
    state.SkipWithError(engine == "sqlite" ? "cannot open SQLite"
                                           : "set CNSS_BENCH_PG_URL to measure PostgreSQL");
    return;
  }
  std::int64_t failed = 0;
  for (auto _ : state) {
    if (!register_one(*w)) ++failed;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["failed"] = static_cast<double>(failed);
}

BENCHMARK_CAPTURE(Register, sqlite, std::string("sqlite"))->UseRealTime()->Threads(1)->Threads(4);
BENCHMARK_CAPTURE(Register, postgresql, std::string("postgresql"))
    ->UseRealTime()
    ->Threads(1)
    ->Threads(4);

}  // namespace

BENCHMARK_MAIN();
