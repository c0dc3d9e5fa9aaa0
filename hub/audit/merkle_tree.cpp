#include "hub/audit/merkle_tree.hpp"

#include <string>

#include "hub/audit/tree_proofs.hpp"

namespace hub::audit {

Result<MerkleTree> MerkleTree::open(NodeStore& store, std::uint64_t size) {
  auto edge = CompactRange::load(store, size);
  if (!edge) return edge.error();
  return MerkleTree(store, std::move(*edge));
}

Result<void> MerkleTree::append(std::span<const Hash> leaves) {
  CompactRange next = edge_;
  std::vector<Node> completed;
  completed.reserve(2 * leaves.size() + 64);
  for (const Hash& leaf : leaves) next.append(leaf, completed);
  if (auto put = store_->put(completed); !put) return put.error();
  edge_ = std::move(next);
  return {};
}

Result<void> MerkleTree::within(std::uint64_t size) const {
  if (size <= edge_.size()) return {};
  return make_error(Errc::invalid_input, "the tree has " + std::to_string(edge_.size()) +
                                             " leaves, not " + std::to_string(size));
}

Result<Hash> MerkleTree::root_at(std::uint64_t size) {
  if (auto ok = within(size); !ok) return ok.error();
  return audit::root_at(*store_, size);
}

Result<std::vector<Hash>> MerkleTree::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  if (auto ok = within(size); !ok) return ok.error();
  return audit::inclusion_proof(*store_, index, size);
}

Result<std::vector<Hash>> MerkleTree::consistency_proof(std::uint64_t first, std::uint64_t second) {
  if (auto ok = within(second); !ok) return ok.error();
  return audit::consistency_proof(*store_, first, second);
}

}  // namespace hub::audit
