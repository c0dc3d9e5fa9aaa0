#include "hub/audit/tree_proofs.hpp"

#include <algorithm>
#include <string>

#include "hub/audit/compact_range.hpp"

namespace hub::audit {
namespace {

struct Range {
  std::uint64_t begin;
  std::uint64_t end;
};

// The largest power of two smaller than n, n > 1 (RFC 9162 2.1.1's k).
std::uint64_t split_point(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

// PATH(m, D[0:n]) as the leaf ranges whose MTH it lists, leaf side first: walking down from the
// root, each step keeps the half that holds leaf m and lists the other half.
std::vector<Range> inclusion_ranges(std::uint64_t m, std::uint64_t n) {
  std::vector<Range> out;
  Range r{0, n};
  while (r.end - r.begin > 1) {
    const std::uint64_t k = split_point(r.end - r.begin);
    if (m < r.begin + k) {
      out.push_back({r.begin + k, r.end});
      r.end = r.begin + k;
    } else {
      out.push_back({r.begin, r.begin + k});
      r.begin += k;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// SUBPROOF(m, D[0:n], true) for 0 < m < n, as leaf ranges, deepest first. `whole` is the RFC's
// b: true while the old tree is the leftmost subtree of what remains, whose MTH the verifier
// already holds.
std::vector<Range> consistency_ranges(std::uint64_t m, std::uint64_t n) {
  std::vector<Range> out;
  Range r{0, n};
  bool whole = true;
  while (m != r.end - r.begin) {
    const std::uint64_t k = split_point(r.end - r.begin);
    if (m <= k) {
      out.push_back({r.begin + k, r.end});
      r.end = r.begin + k;
    } else {
      out.push_back({r.begin, r.begin + k});
      r.begin += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) out.push_back(r);
  std::reverse(out.begin(), out.end());
  return out;
}

// The MTH of each range, from one read of every node they need.
Result<std::vector<Hash>> range_hashes(NodeStore& store, const std::vector<Range>& ranges) {
  std::vector<NodeId> ids;
  std::vector<std::size_t> starts;
  for (const auto& r : ranges) {
    starts.push_back(ids.size());
    auto nodes = range_nodes(r.begin, r.end);
    ids.insert(ids.end(), nodes.begin(), nodes.end());
  }
  starts.push_back(ids.size());
  auto hashes = store.get(ids);
  if (!hashes) return hashes.error();
  if (hashes->size() != ids.size()) {
    return make_error(Errc::internal, "the Merkle node store answered " +
                                          std::to_string(hashes->size()) + " hashes for " +
                                          std::to_string(ids.size()) + " nodes");
  }
  std::vector<Hash> out;
  out.reserve(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    out.push_back(fold_from_right(
        std::span<const Hash>(hashes->data() + starts[i], starts[i + 1] - starts[i])));
  }
  return out;
}

}  // namespace

Result<Hash> root_at(NodeStore& store, std::uint64_t size) {
  if (size == 0) return empty_tree_hash();
  auto hashes = range_hashes(store, {{0, size}});
  if (!hashes) return hashes.error();
  return hashes->front();
}

Result<std::vector<Hash>> inclusion_proof(NodeStore& store, std::uint64_t index,
                                          std::uint64_t size) {
  if (index >= size) {
    return make_error(Errc::invalid_input, "leaf index " + std::to_string(index) +
                                               " is not in a tree of " + std::to_string(size) +
                                               " leaves");
  }
  return range_hashes(store, inclusion_ranges(index, size));
}

Result<std::vector<Hash>> consistency_proof(NodeStore& store, std::uint64_t first,
                                            std::uint64_t second) {
  if (first > second) {
    return make_error(Errc::invalid_input, "a tree of " + std::to_string(first) +
                                               " leaves cannot be a prefix of one of " +
                                               std::to_string(second));
  }
  if (first == 0 || first == second) return std::vector<Hash>{};
  return range_hashes(store, consistency_ranges(first, second));
}

}  // namespace hub::audit
