// Exchange-journal appends per second on SQLite with group commit.
//   BM_JournalAppend: what the request path pays, sustained: append() returns without waiting
//     for the disk, but the queue is bounded, so over a run the rate is what the writer commits.
//   BM_JournalAppendDurable/N/tree:T: N appends then flush(), i.e. appends made durable (fsync'd
//     WAL), with the Merkle tree kept in the store with the entries (T = 1, as in the hub) or the
//     chain alone (T = 0), each in a database of its own. Its counter cpu_us_per_entry is the
//     whole process's CPU time (the writer thread's included, which the benchmark's own CPU
//     column misses) per entry appended: the cost of keeping the tree is the difference.
// The database goes to CNSS_BENCH_DIR (default: the system's temporary folder); put it on the
// disk the hub will use, a tmpfs would hide the fsync. With CNSS_BENCH_PG_URL set (a libpq
// connection string), the same runs append to the journal of that PostgreSQL database instead:
// use a throwaway one.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <ctime>
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

  explicit Env(bool merkle_tree) {
    const char* base = std::getenv("CNSS_BENCH_DIR");
    dir = fs::path(base ? base : fs::temp_directory_path().string()) /
          ("cnss-bench-audit-" + std::to_string(::getpid()) + (merkle_tree ? "-tree" : "-chain"));
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
    hub::audit::JournalOptions jo;
    jo.merkle_tree = merkle_tree;
    journal = std::make_unique<hub::audit::Journal>(*store, std::string(32, 'k'), jo);
  }
  ~Env() {
    journal.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// The hub's journal (with the tree), or one keeping the chain alone.
Env& env(bool merkle_tree = true) {
  if (merkle_tree) {
    static Env with(true);
    return with;
  }
  static Env without(false);
  return without;
}

// The CPU time of the whole process (every thread), in µs.
double process_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
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
  auto& journal = *env(state.range(1) != 0).journal;
  const auto n = state.range(0);
  std::int64_t i = 0;
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    for (std::int64_t k = 0; k < n; ++k) journal.append(record(i++));
    if (auto r = journal.flush(); !r) state.SkipWithError(r.error().message.c_str());
  }
  const auto entries = state.iterations() * n;
  state.SetItemsProcessed(entries);
  if (entries > 0) {
    state.counters["cpu_us_per_entry"] =
        (process_cpu_us() - cpu_before) / static_cast<double>(entries);
  }
}
BENCHMARK(BM_JournalAppendDurable)
    ->ArgNames({"", "tree"})
    ->ArgsProduct({{1, 100, 1000}, {0, 1}})
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
