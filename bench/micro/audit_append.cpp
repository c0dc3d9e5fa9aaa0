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
// connection string to an existing database, as a role that may create databases), the same runs
// append to the journals of two PostgreSQL databases this process creates beside it (one with
// the tree, one without) and drops at the end. With CNSS_BENCH_PG_PID also set (the postmaster's
// pid, a server on this machine), the counter server_cpu_us_per_entry adds the CPU time of the
// server's processes (its backends, WAL writer...) per entry: on PostgreSQL much of the cost is
// there, not in the client.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "hub/audit/journal.hpp"

namespace {

namespace fs = std::filesystem;

// Runs one statement on the database of CNSS_BENCH_PG_URL (CREATE or DROP DATABASE).
void pg_admin(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(r);
  PQfinish(c);
}

struct Env {
  fs::path dir;
  std::string pg_url;  // the server's existing database, to create and drop pg_db from
  std::string pg_db;
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
      pg_url = url;
      pg_db = "cnss_bench_" + std::to_string(::getpid()) + (merkle_tree ? "_tree" : "_chain");
      pg_admin(pg_url, "CREATE DATABASE " + pg_db);
      o.engine = "postgresql";
      o.url = pg_url + " dbname=" + pg_db;  // libpq: the last value of a keyword wins
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
    if (!pg_db.empty()) pg_admin(pg_url, "DROP DATABASE " + pg_db);
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

// The CPU time of the PostgreSQL server's processes (children of the postmaster
// CNSS_BENCH_PG_PID), in µs; 0 without it.
double server_cpu_us() {
  const char* pid = std::getenv("CNSS_BENCH_PG_PID");
  if (pid == nullptr || *pid == '\0') return 0;
  const long parent = std::strtol(pid, nullptr, 10);
  double ticks = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    std::ifstream in(d.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    // After "(comm)": state ppid ... utime (field 14) stime (15).
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    long ppid = 0;
    double utime = 0, stime = 0;
    rest >> field >> ppid;
    for (int i = 5; i <= 13; ++i) rest >> field;
    rest >> utime >> stime;
    if (ppid == parent) ticks += utime + stime;
  }
  return ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
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
  const double server_before = server_cpu_us();
  for (auto _ : state) {
    for (std::int64_t k = 0; k < n; ++k) journal.append(record(i++));
    if (auto r = journal.flush(); !r) state.SkipWithError(r.error().message.c_str());
  }
  const auto entries = state.iterations() * n;
  state.SetItemsProcessed(entries);
  if (entries > 0) {
    state.counters["cpu_us_per_entry"] =
        (process_cpu_us() - cpu_before) / static_cast<double>(entries);
    if (std::getenv("CNSS_BENCH_PG_PID") != nullptr) {
      state.counters["server_cpu_us_per_entry"] =
          (server_cpu_us() - server_before) / static_cast<double>(entries);
    }
  }
}
BENCHMARK(BM_JournalAppendDurable)
    ->ArgNames({"", "tree"})
    ->ArgsProduct({{1, 100, 1000}, {0, 1}})
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
