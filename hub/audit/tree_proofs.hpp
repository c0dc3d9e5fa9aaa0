// Roots and proofs of the journal's Merkle tree, read from its stored nodes (node_store.hpp).
// Each answers with one NodeStore::get() of O(log n) nodes: the RFC 9162 recursions split the
// tree into ranges whose hashes are stored nodes, except at most two ranges on the tree's right
// edge, each the fold of at most log2(n) + 1 stored nodes.
//
// Sizes and indexes count leaves; a leaf's index is its journal entry's seq - 1.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/audit/node_store.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

// MTH(D[0:size]) (RFC 9162 2.1.1). The store must hold a tree of at least `size` leaves.
Result<Hash> root_at(NodeStore& store, std::uint64_t size);

// PATH(index, D[0:size]) (RFC 9162 2.1.3.1): the hashes that take leaf `index` to the root of
// the tree of `size` leaves, from the leaf's sibling upwards. Errc::invalid_input unless
// index < size.
Result<std::vector<Hash>> inclusion_proof(NodeStore& store, std::uint64_t index,
                                          std::uint64_t size);

// PROOF(first, D[0:second]) (RFC 9162 2.1.4.1): the hashes that show the tree of `first` leaves
// is a prefix of the tree of `second` leaves. Empty when first is 0 or first == second (there is
// nothing to prove); Errc::invalid_input when first > second.
Result<std::vector<Hash>> consistency_proof(NodeStore& store, std::uint64_t first,
                                            std::uint64_t second);

}  // namespace hub::audit
