// Proofs through the store (issue 18): what GET .../journal/proof and .../consistency cost the
// hub once the tree keeps its nodes from level 4 up only (docs/audit.md, "The tree in the
// store"). A SQLite journal of 2^16 entries (with its tree) and one signed checkpoint are made
// once in CNSS_BENCH_DIR (default: the system's temporary folder), then:
//   BM_StoredInclusionProof: JournalProofs::inclusion(i) for random i against the checkpoint;
//   BM_StoredConsistencyProof: JournalProofs::consistency(m) for random m to the checkpoint.
// Each reads the stored nodes it needs in one query and recomputes the nodes below level 4 from
// the at most 16 entries under them.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "hub/audit/checkpointer.hpp"
#include "hub/audit/digest.hpp"
#include "hub/audit/journal.hpp"
#include "hub/audit/journal_proofs.hpp"
#include "hub/audit/note_signer.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kEntries = 1 << 16;

struct Env {
  fs::path dir;
  std::unique_ptr<hub::store::Store> store;

  Env() {
    const char* base = std::getenv("CNSS_BENCH_DIR");
    dir = fs::path(base ? base : fs::temp_directory_path().string()) /
          ("cnss-bench-proofs-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    hub::store::Options o;
    o.path = (dir / "hub.db").string();
    auto s = hub::store::open(o);
    if (!s) std::abort();
    store = std::move(*s);
    {
      hub::audit::Journal journal(*store, std::string(32, 'k'));
      for (std::uint64_t i = 0; i < kEntries; ++i) {
        hub::audit::ExchangeRecord r;
        r.principal = "agency-casa-anfa";
        r.partner = "dgsn";
        r.operation = "identity.get";
        r.correlation_id = "corr-" + std::to_string(i);
        r.identifier = "BK" + std::to_string(100000 + i % 800000);
        r.outcome = "ok";
        r.response_body_sha256 = hub::audit::sha256_hex(std::to_string(i));
        journal.append(std::move(r));
      }
      if (!journal.flush()) std::abort();
    }
    auto signer = hub::audit::NoteSigner::from_seed(std::string(32, 'j'), "cnss.ma/bench");
    if (!signer) std::abort();
    hub::audit::Checkpointer cp(*store, std::move(*signer), {});
    auto signed_now = cp.round(std::chrono::system_clock::now());
    if (!signed_now || !*signed_now) std::abort();
  }
  ~Env() {
    store.reset();
    fs::remove_all(dir);
  }
};

Env& env() {
  static Env e;
  return e;
}

void BM_StoredInclusionProof(benchmark::State& state) {
  hub::audit::JournalProofs proofs(*env().store, std::chrono::seconds(10));
  std::mt19937_64 g(42);
  for (auto _ : state) {
    auto p = proofs.inclusion(g() % kEntries, std::nullopt);
    if (!p) state.SkipWithError(p.error().message.c_str());
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoredInclusionProof)->Unit(benchmark::kMicrosecond);

void BM_StoredConsistencyProof(benchmark::State& state) {
  hub::audit::JournalProofs proofs(*env().store, std::chrono::seconds(10));
  std::mt19937_64 g(7);
  for (auto _ : state) {
    auto p = proofs.consistency(1 + g() % (kEntries - 1), std::nullopt);
    if (!p) state.SkipWithError(p.error().message.c_str());
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoredConsistencyProof)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
