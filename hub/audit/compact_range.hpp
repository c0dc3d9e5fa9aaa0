// The right edge of the journal's Merkle tree: for a tree of n leaves, the roots of the complete
// subtrees that make up [0, n), one per bit set in n, largest first (the "compact range" of
// [0, n)). It is all an append needs: a new leaf completes at most log2(n) + 1 nodes, each the
// hash of a stored peak and the node completed just before, so an append reads nothing and
// writes the nodes it completes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hub/audit/node_store.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // The edge of a tree of `size` leaves whose nodes are in `store`: popcount(size) nodes, read
  // in one get(). A node missing is the store's Errc::not_found.
  static Result<CompactRange> load(NodeStore& store, std::uint64_t size);

  std::uint64_t size() const { return size_; }

  // Adds leaf number size() (its hash, RFC 9162 2.1.1), and appends to `completed` every node
  // it completes: the leaf itself at level 0, then one parent per level where the tree was
  // full, 1 + (number of trailing one bits of the old size) nodes in all.
  void append(const Hash& leaf, std::vector<Node>& completed);

  // MTH(D[0:size]) (RFC 9162 2.1.1): the peaks folded from the right, since the tree of n
  // leaves is the largest complete subtree on the left of the tree of the rest. O(log n)
  // hashes, no read; empty_tree_hash() for no leaf.
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // largest subtree first
};

// The complete subtrees that make up leaves [begin, end) of the tree, largest first. The ranges
// the RFC 9162 definitions split a tree into (MTH, PATH, SUBPROOF) all start at a multiple of a
// power of two at least as large as themselves; for those, the nodes exist as soon as leaf
// end - 1 does, and fold from the right into MTH(D[begin:end]).
std::vector<NodeId> range_nodes(std::uint64_t begin, std::uint64_t end);

// Folds the hashes of range_nodes(), largest first, into the range's MTH.
Hash fold_from_right(std::span<const Hash> peaks);

}  // namespace hub::audit
