// RFC 9162's definitions of the Merkle tree, written as the RFC writes them (recursions over the
// list of leaves, O(n) hashes each), to check hub/audit's incremental tree against: MTH (2.1.1),
// PATH (2.1.3.1) and PROOF / SUBPROOF (2.1.4.1).
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "hub/audit/tree_hash.hpp"

namespace hub::audit::reference {

class Tree {
 public:
  explicit Tree(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  // MTH(D[begin:end]).
  Hash mth(std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    if (n == 0) return empty_tree_hash();
    if (n == 1) return leaves_[begin];
    if (auto it = memo_.find({begin, end}); it != memo_.end()) return it->second;
    const std::uint64_t k = split(n);
    const Hash h = node_hash(mth(begin, begin + k), mth(begin + k, end));
    memo_[{begin, end}] = h;
    return h;
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash> path(std::uint64_t m, std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    if (n <= 1) return {};
    const std::uint64_t k = split(n);
    std::vector<Hash> out;
    if (m < k) {
      out = path(m, begin, begin + k);
      out.push_back(mth(begin + k, end));
    } else {
      out = path(m - k, begin + k, end);
      out.push_back(mth(begin, begin + k));
    }
    return out;
  }

  // PROOF(m, D[0:n]) for 0 < m < n.
  std::vector<Hash> proof(std::uint64_t m, std::uint64_t n) { return subproof(m, 0, n, true); }

 private:
  static std::uint64_t split(std::uint64_t n) {
    std::uint64_t k = 1;
    while (2 * k < n) k *= 2;
    return k;
  }

  std::vector<Hash> subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool b) {
    const std::uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {mth(begin, end)};
    }
    const std::uint64_t k = split(n);
    std::vector<Hash> out;
    if (m <= k) {
      out = subproof(m, begin, begin + k, b);
      out.push_back(mth(begin + k, end));
    } else {
      out = subproof(m - k, begin + k, end, false);
      out.push_back(mth(begin, begin + k));
    }
    return out;
  }

  std::vector<Hash> leaves_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Hash> memo_;
};

}  // namespace hub::audit::reference
