// Exchange-journal appends per second on SQLite with group commit.
//   BM_JournalAppend: what the request path pays, sustained: append() returns without waiting
//     for the disk, but the queue is bounded, so over a run the rate is what the writer commits.
//   BM_JournalAppendDurable/N: N appends then flush(), i.e. appends made durable (fsync'd WAL).
// The database goes to CNSS_BENCH_DIR (default: the system's temporary folder); put it on the
// disk the hub will use, a tmpfs would hide the fsync. With CNSS_BENCH_PG_URL set (a libpq
// connection string), the same runs append to the journal of that PostgreSQL database instead:
// use a throwaway one.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "hub/audit/journal.hpp"

namespace {

namespace fs = std::filesystem;

struct Env {
  fs::path dir;
  std::unique_ptr<hub::store::Store> store;
  std::unique_ptr<hub::audit::Journal> journal;

  Env() {
    const char* base = std::getenv("CNSS_BENCH_DIR");
    dir = fs::path(base ? base : fs::temp_directory_path().string()) /
          ("cnss-bench-audit-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    hub::store::Options o;
    o.path = (dir / "hub.db").string();
    if (const char* url = std::getenv("CNSS_BENCH_PG_URL"); url && *url) {
      o.engine = "postgresql";
      o.url = url;
    }
    auto s = hub::store::open(o);
    if (!s) {
      std::fprintf(stderr, "cannot open the store: %s\n", s.error().message.c_str());
      std::exit(1);
    }
    store = std::move(*s);
    journal = std::make_unique<hub::audit::Journal>(*store, std::string(32, 'k'));
  }
  ~Env() {
    journal.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Env& env() {
  static Env e;
  return e;
}

hub::audit::ExchangeRecord record(std::int64_t i) {
  hub::audit::ExchangeRecord r;
  r.principal = "agency-casa-anfa";
  r.purpose = "affiliation";
  r.correlation_id = "9b2f0c1e-5d7a-4e8b-a1c3-" + std::to_string(100000000000 + i);
  r.partner = "dgsn";
  r.operation = "identity.get";
  r.identifier = "BK" + std::to_string(100000 + i % 900000);
  r.outcome = "ok";
  r.latency_ms = 23.4;
  r.response_body_sha256 = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";
  return r;
}

void BM_JournalAppend(benchmark::State& state) {
  auto& journal = *env().journal;
  std::int64_t i = state.thread_index() * 1'000'000'000LL;
  for (auto _ : state) journal.append(record(i++));
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) (void)journal.flush();
}
BENCHMARK(BM_JournalAppend)->Threads(1)->Threads(8)->UseRealTime()->MinTime(2.0);

void BM_JournalAppendDurable(benchmark::State& state) {
  auto& journal = *env().journal;
  const auto n = state.range(0);
  std::int64_t i = 0;
  for (auto _ : state) {
    for (std::int64_t k = 0; k < n; ++k) journal.append(record(i++));
    if (auto r = journal.flush(); !r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_JournalAppendDurable)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
