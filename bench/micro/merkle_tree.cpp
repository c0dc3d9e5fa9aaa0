// The journal's Merkle tree and checkpoints, in memory (hub/audit; no store yet):
//   BM_ChainEntryHash: today's per-entry cost, the chain hash (entry_hash) of one entry;
//   BM_TreeAppend: one journal entry into the tree: its leaf hash, then the append (the nodes it
//     completes written to a MemoryNodeStore);
//   BM_InclusionProof / BM_ConsistencyProof: proofs from the stored nodes of a tree of 2^20
//     entries (random index and sizes), and BM_VerifyInclusion, what a partner runs;
//   BM_CheckpointSign / BM_CheckpointOpen: an Ed25519 checkpoint signed, then parsed and verified.
#include <benchmark/benchmark.h>

#include <random>

#include "hub/audit/chain.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/merkle_tree.hpp"
#include "hub/audit/proof_verify.hpp"

namespace {

using namespace hub::audit;

hub::store::JournalEntry entry(std::int64_t i) {
  hub::store::JournalEntry e;
  e.seq = i + 1;
  e.time_ms = 1'795'000'000'000 + i;
  e.principal = "agency-casa-anfa";
  e.purpose = "IMMATRICULATION";
  e.correlation_id = "9b2f0c1e-5d7a-4e8b-a1c3-" + std::to_string(100000000000 + i);
  e.partner = "dgsn";
  e.operation = "identity.get";
  e.identifier_hmac = std::string(64, 'a');
  e.identifier_masked = "BK****56";
  e.outcome = "ok";
  e.latency_us = 23'400;
  e.response_sha256 = std::string(64, 'c');
  e.prev_hash = std::string(64, '0');
  e.entry_hash = entry_hash(e);
  return e;
}

void BM_ChainEntryHash(benchmark::State& state) {
  const auto e = entry(7);
  for (auto _ : state) benchmark::DoNotOptimize(entry_hash(e));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChainEntryHash);

void BM_TreeAppend(benchmark::State& state) {
  const auto e = entry(7);
  MemoryNodeStore nodes;
  MerkleTree tree(nodes);
  for (auto _ : state) {
    const Hash leaf = journal_leaf_hash(e);
    if (!tree.append({&leaf, 1})) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TreeAppend);

constexpr std::uint64_t kTreeSize = std::uint64_t{1} << 20;

struct BigTree {
  MemoryNodeStore nodes;
  MerkleTree tree{nodes};
  BigTree() {
    std::vector<Hash> batch;
    for (std::uint64_t i = 0; i < kTreeSize; ++i) {
      batch.push_back(leaf_hash(std::to_string(i)));
      if (batch.size() == 4096) {
        (void)tree.append(batch);
        batch.clear();
      }
    }
    (void)tree.append(batch);
  }
};

BigTree& big() {
  static BigTree t;
  return t;
}

void BM_InclusionProof(benchmark::State& state) {
  auto& t = big().tree;
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    const std::uint64_t size = kTreeSize - rng() % 1000;
    auto p = t.inclusion_proof(rng() % size, size);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProof);

void BM_ConsistencyProof(benchmark::State& state) {
  auto& t = big().tree;
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    const std::uint64_t second = kTreeSize - rng() % 1000;
    auto p = t.consistency_proof(1 + rng() % (second - 1), second);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConsistencyProof);

void BM_VerifyInclusion(benchmark::State& state) {
  auto& t = big().tree;
  const std::uint64_t index = 123'457;
  const auto proof = *t.inclusion_proof(index, kTreeSize);
  const Hash leaf = leaf_hash(std::to_string(index));
  const Hash root = t.root();
  for (auto _ : state) {
    if (!verify_inclusion(leaf, index, kTreeSize, proof, root)) state.SkipWithError("refused");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusion);

const NoteSigner& signer() {
  static const NoteSigner s =
      *NoteSigner::from_seed(std::string(32, 'k'), "cnss.ma/exchange-hub/journal");
  return s;
}

Checkpoint checkpoint() {
  Checkpoint c;
  c.origin = signer().name();
  c.size = 1'234'567;
  c.root = leaf_hash("root");
  return c;
}

void BM_CheckpointSign(benchmark::State& state) {
  const auto c = checkpoint();
  for (auto _ : state) benchmark::DoNotOptimize(sign_checkpoint(c, signer()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointSign);

void BM_CheckpointOpen(benchmark::State& state) {
  const std::string note = *sign_checkpoint(checkpoint(), signer());
  const NoteVerifier& v = signer().verifier();
  for (auto _ : state) {
    if (!open_checkpoint(note, v)) state.SkipWithError("refused");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointOpen);

}  // namespace

BENCHMARK_MAIN();
