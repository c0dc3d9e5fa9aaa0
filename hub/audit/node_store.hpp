// Where the journal's Merkle tree keeps its nodes: only the roots of complete subtrees, addressed
// by (level, index). Node (l, i) is MTH of leaves [i * 2^l, (i + 1) * 2^l) (RFC 9162 2.1.1);
// level 0 holds the leaf hashes. A tree of n leaves has stored every node whose range ends at or
// before n; a node never changes once written, since the leaves under it never do.
//
// The store integration implements NodeStore over a table (level, idx) -> hash, written in the
// transaction that appends the entries; MemoryNodeStore serves tests and the offline verifier.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <vector>

#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

struct NodeId {
  int level = 0;            // 0 for a leaf; the node covers 2^level leaves
  std::uint64_t index = 0;  // its place among the nodes of its level, from 0
  auto operator<=>(const NodeId&) const = default;
};

struct Node {
  NodeId id;
  Hash hash{};
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // The hashes of `ids`, in the order asked: one call per root or proof, so that a database
  // answers it with one query. A node not stored is Errc::not_found, naming it.
  virtual Result<std::vector<Hash>> get(std::span<const NodeId> ids) = 0;
  // Stores `nodes` together (one transaction for a database). Writing a node again with the same
  // hash is accepted; with another hash it is Errc::conflict: a node never changes.
  virtual Result<void> put(std::span<const Node> nodes) = 0;
};

// Every level in a vector, so 2 hashes (64 bytes) per leaf. Nodes are written left to right, as
// the tree completes them; a node past the end of its level is refused (Errc::invalid_input).
class MemoryNodeStore final : public NodeStore {
 public:
  Result<std::vector<Hash>> get(std::span<const NodeId> ids) override;
  Result<void> put(std::span<const Node> nodes) override;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace hub::audit
