// The journal's Merkle tree (RFC 9162 2.1) over a node store: O(log n) nodes written per append,
// O(log n) nodes read per root or proof of any size up to the current one.
//
// The store integration keeps one in the hub: the nodes in the store's table, written in the
// transaction that appends the journal entries (append() then calls put() once per batch), and
// the tree reopened at start with open(store, number of entries).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hub/audit/compact_range.hpp"
#include "hub/audit/node_store.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

class MerkleTree {
 public:
  // A new, empty tree over `store`, which must outlive it.
  explicit MerkleTree(NodeStore& store) : store_(&store) {}
  // The tree whose `size` leaves are already in `store` (0 for a new tree). Reads popcount(size)
  // nodes.
  static Result<MerkleTree> open(NodeStore& store, std::uint64_t size);

  std::uint64_t size() const { return edge_.size(); }
  // MTH of the whole tree, from memory.
  Hash root() const { return edge_.root(); }

  // Appends leaves (leaf hashes, journal_leaf.hpp) and writes every node they complete in one
  // NodeStore::put(). When put() fails the tree is as it was before the call.
  Result<void> append(std::span<const Hash> leaves);

  // As tree_proofs.hpp, refusing sizes beyond the tree's (Errc::invalid_input).
  Result<Hash> root_at(std::uint64_t size);
  Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t size);
  Result<std::vector<Hash>> consistency_proof(std::uint64_t first, std::uint64_t second);

 private:
  MerkleTree(NodeStore& store, CompactRange edge) : store_(&store), edge_(std::move(edge)) {}
  Result<void> within(std::uint64_t size) const;

  NodeStore* store_;
  CompactRange edge_;
};

}  // namespace hub::audit
