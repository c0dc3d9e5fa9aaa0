// Journals built in memory for the offline checks: entries chained and hashed as the hub's
// writer seals them, checkpoints signed over their Merkle tree, and export directories.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hub/audit/chain.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/export_writer.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/merkle_tree.hpp"
#include "hub/store/store.hpp"

namespace hub::audit::testing {

inline constexpr const char* kOrigin = "cnss.ma/exchange-hub/journal";

inline NoteSigner log_signer(char seed = 'j') {
  return *NoteSigner::from_seed(std::string(32, seed), kOrigin);
}

// Gives entries [from, end) their chain links and hashes again: what someone who can write the
// database does to hide a change.
inline void reseal(std::vector<store::JournalEntry>& entries, std::size_t from = 0) {
  for (std::size_t i = from; i < entries.size(); ++i) {
    entries[i].seq = static_cast<std::int64_t>(i + 1);
    entries[i].prev_hash = i == 0 ? std::string(store::kGenesisHash) : entries[i - 1].entry_hash;
    entries[i].entry_hash = entry_hash(entries[i]);
  }
}

inline std::vector<store::JournalEntry> make_journal(int n) {
  static const char* partners[] = {"dgsn", "dgct", "ompic", "dgi"};
  std::vector<store::JournalEntry> out;
  for (int i = 1; i <= n; ++i) {
    store::JournalEntry e;
    e.time_ms = 1'795'000'000'000 + i * 137;
    e.principal = i % 3 ? "agency-casa-anfa" : "portail-assuré";
    e.purpose = "IMMATRICULATION";
    e.correlation_id = "9b2f0c1e-5d7a-4e8b-a1c3-" + std::to_string(100000000000 + i);
    e.partner = partners[i % 4];
    e.operation = "identity.get";
    e.identifier_hmac = std::string(64, "0123456789abcdef"[i % 16]);
    e.identifier_masked = "BK****" + std::to_string(10 + i % 90);
    e.outcome = i % 7 ? "ok" : "not_found";
    e.latency_us = 1000 + i;
    e.response_sha256 = std::string(64, 'c');
    out.push_back(std::move(e));
  }
  reseal(out);
  return out;
}

// The checkpoint of the journal's first `size` entries, signed.
inline std::string checkpoint_of(const std::vector<store::JournalEntry>& entries,
                                 std::uint64_t size, const NoteSigner& signer) {
  MemoryNodeStore nodes;
  MerkleTree tree(nodes);
  for (std::uint64_t i = 0; i < size; ++i) {
    const Hash leaf = journal_leaf_hash(entries[i]);
    (void)tree.append({&leaf, 1});
  }
  Checkpoint c;
  c.origin = signer.name();
  c.size = size;
  c.root = tree.root();
  return *sign_checkpoint(c, signer);
}

inline store::JournalHead head_of(const std::vector<store::JournalEntry>& entries) {
  if (entries.empty()) return {0, std::string(store::kGenesisHash)};
  return {entries.back().seq, entries.back().entry_hash};
}

inline void write_export(const std::filesystem::path& dir,
                         const std::vector<store::JournalEntry>& entries,
                         const std::vector<std::string>& checkpoints,
                         std::optional<store::JournalHead> head) {
  auto w = ExportWriter::create(dir);
  if (!w) throw std::runtime_error(w.error().message);
  for (const auto& e : entries) (void)w->add_entry(e);
  for (const auto& c : checkpoints) (void)w->add_checkpoint(c);
  if (head) (void)w->set_head(*head);
  (void)w->finish();
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("cnss-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace hub::audit::testing
