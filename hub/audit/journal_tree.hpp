// The journal's Merkle tree kept in the store (docs/audit.md, "The tree in the store"): the nodes
// each batch of entries completes, computed under the journal's lock and written in the
// transaction that appends the entries, and a NodeStore that reads the stored nodes for roots and
// proofs (tree_proofs.hpp).
//
// Only the nodes of level kFirstStoredLevel and above are stored (one row per 2^level entries:
// an eighth of a row per entry in all, where storing every level took two). A node below covers
// at most 2^kFirstStoredLevel entries, all stored in the journal beside it, and is computed
// again from them when a proof or the tree's right edge needs it: one more query of at most 16
// entries and 31 hashes. A pruned entry, whose contents can no longer give its leaf, keeps its
// leaf as a stored level-0 node (retention.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hub/audit/compact_range.hpp"
#include "hub/audit/node_store.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// The lowest level whose nodes the store keeps.
inline constexpr int kFirstStoredLevel = 4;

// Reads nodes through a store's reader (store.hpp's TreeReader): the stored ones in one query,
// those below kFirstStoredLevel from the entries under them, one query per block of
// 2^kFirstStoredLevel entries. The tree is written with the entries only, so put() is refused.
class StoredNodes final : public NodeStore {
 public:
  explicit StoredNodes(store::TreeReader read) : read_(std::move(read)) {}
  // The nodes committed in `store`, outside any append.
  explicit StoredNodes(store::Store& store);

  Result<std::vector<Hash>> get(std::span<const NodeId> ids) override;
  Result<void> put(std::span<const Node> nodes) override;

 private:
  Result<std::vector<Hash>> stored(std::span<const NodeId> ids);
  // The leaves of entries [first, end) of one block, from its entries.
  Result<std::vector<Hash>> leaves(std::uint64_t first, std::uint64_t end);

  store::TreeReader read_;
};

// Extends the stored tree, batch after batch, for one journal writer. builder() is what
// store::Store::append_journal() and extend_tree() call under the journal's lock: it starts from
// the tree's right edge (CompactRange) and appends each entry's leaf, collecting the nodes they
// complete from kFirstStoredLevel up. The edge of the last committed batch is kept in memory and
// used again when the next batch follows it (same size, same last entry hash); otherwise, when
// another writer (another hub node) appended in between, it is read again from the store, in the
// same transaction: popcount(size) nodes, one query (and one for the entries of the last,
// incomplete block). Not thread-safe: one writer thread uses it.
class TreeWriter {
 public:
  TreeWriter();
  TreeWriter(const TreeWriter&) = delete;
  TreeWriter& operator=(const TreeWriter&) = delete;

  const store::JournalTreeBuilder& builder() const { return builder_; }
  // The journal's sealer (chain.hpp's entry_hash) for the batches this writer builds: it also
  // keeps each entry's leaf hash, from the same serialised bytes, for builder() to use rather
  // than serialise the entry again.
  const store::JournalSealer& sealer() const { return sealer_; }
  // The batch whose nodes builder() last gave is committed: its edge is kept for the next one.
  void committed();

 private:
  struct Edge {
    CompactRange range;
    std::string last_hash;  // entry_hash of the range's last entry (genesis for none)
  };
  Result<std::vector<store::TreeNode>> build(const store::TreeReader& read,
                                             std::int64_t size_before,
                                             const std::vector<store::JournalEntry>& entries);

  std::string seal(const store::JournalEntry& e);
  // The leaf of `e`, as sealed when it was (same seq, same chain hash), or computed.
  Result<Hash> leaf_of(const store::JournalEntry& e, std::size_t i) const;

  struct Sealed {
    std::int64_t seq;
    std::string entry_hash;
    Hash leaf;
  };
  std::optional<Edge> edge_;     // after the last committed batch
  std::optional<Edge> pending_;  // after the batch being written
  std::vector<Sealed> sealed_;   // the batch being sealed, in seq order
  store::JournalTreeBuilder builder_;
  store::JournalSealer sealer_;
};

}  // namespace hub::audit
