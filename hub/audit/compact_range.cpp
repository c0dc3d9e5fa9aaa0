#include "hub/audit/compact_range.hpp"

namespace hub::audit {

std::vector<NodeId> range_nodes(std::uint64_t begin, std::uint64_t end) {
  std::vector<NodeId> out;
  const std::uint64_t count = end - begin;
  std::uint64_t offset = begin;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((count & width) == 0) continue;
    out.push_back({level, offset >> level});
    offset += width;
  }
  return out;
}

Hash fold_from_right(std::span<const Hash> peaks) {
  if (peaks.empty()) return empty_tree_hash();
  Hash acc = peaks.back();
  for (std::size_t i = peaks.size() - 1; i-- > 0;) acc = node_hash(peaks[i], acc);
  return acc;
}

Result<CompactRange> CompactRange::load(NodeStore& store, std::uint64_t size) {
  const auto ids = range_nodes(0, size);
  auto hashes = store.get(ids);
  if (!hashes) return hashes.error();
  CompactRange r;
  r.size_ = size;
  r.peaks_ = std::move(*hashes);
  return r;
}

void CompactRange::append(const Hash& leaf, std::vector<Node>& completed) {
  // Leaf n's node at level l has index n >> l. While bit l of n is set, a complete subtree of
  // 2^l leaves ends just before it: the last peak, its left sibling.
  const std::uint64_t n = size_;
  Hash node = leaf;
  completed.push_back({{0, n}, node});
  int level = 0;
  while ((n >> level) & 1) {
    node = node_hash(peaks_.back(), node);
    peaks_.pop_back();
    ++level;
    completed.push_back({{level, n >> level}, node});
  }
  peaks_.push_back(node);
  ++size_;
}

Hash CompactRange::root() const {
  return fold_from_right(peaks_);
}

}  // namespace hub::audit
