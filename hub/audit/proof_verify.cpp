#include "hub/audit/proof_verify.hpp"

#include <string>
#include <vector>

namespace hub::audit {
namespace {

Error inclusion_fails(std::string why) {
  return make_error(Errc::unprocessable, "inclusion proof: " + why, "inclusion_proof_invalid");
}

Error consistency_fails(std::string why) {
  return make_error(Errc::unprocessable, "consistency proof: " + why, "consistency_proof_invalid");
}

bool is_power_of_two(std::uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

}  // namespace

Result<void> verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                              std::span<const Hash> proof, const Hash& root) {
  // The numbered steps are RFC 9162 2.1.3.2's.
  if (index >= size) {  // 1
    return inclusion_fails("leaf index " + std::to_string(index) + " is not below the tree size " +
                           std::to_string(size));
  }
  std::uint64_t fn = index;  // 2
  std::uint64_t sn = size - 1;
  Hash r = leaf;                                                                         // 3
  for (const Hash& p : proof) {                                                          // 4
    if (sn == 0) return inclusion_fails("it has more hashes than the tree has levels");  // 4a
    if ((fn & 1) == 1 || fn == sn) {                                                     // 4b
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;  // 4c
    sn >>= 1;
  }
  if (sn != 0) return inclusion_fails("it has fewer hashes than the tree has levels");  // 5
  if (r != root) return inclusion_fails("it leads to another root hash than the tree's");
  return {};
}

Result<void> verify_consistency(std::uint64_t first, std::uint64_t second,
                                std::span<const Hash> proof, const Hash& first_root,
                                const Hash& second_root) {
  if (first > second) {
    return consistency_fails("the first tree (" + std::to_string(first) +
                             " leaves) is larger than the second (" + std::to_string(second) + ")");
  }
  if (first == second) {
    if (!proof.empty()) return consistency_fails("trees of one size need no hashes");
    if (first_root != second_root) {
      return consistency_fails("two trees of " + std::to_string(first) +
                               " leaves with different root hashes");
    }
    return {};
  }
  if (first == 0) {
    if (!proof.empty()) return consistency_fails("the empty tree needs no hashes");
    return {};
  }
  // The numbered steps are RFC 9162 2.1.4.2's.
  if (proof.empty()) return consistency_fails("it has no hashes");  // 1
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (is_power_of_two(first)) path.push_back(first_root);  // 2
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = first - 1;  // 3
  std::uint64_t sn = second - 1;
  while ((fn & 1) == 1) {  // 4
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path.front();  // 5
  Hash sr = path.front();
  for (std::size_t i = 1; i < path.size(); ++i) {  // 6
    const Hash& c = path[i];
    if (sn == 0) return consistency_fails("it has more hashes than the trees have levels");  // 6a
    if ((fn & 1) == 1 || fn == sn) {                                                         // 6b
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;  // 6c
    sn >>= 1;
  }
  if (sn != 0) return consistency_fails("it has fewer hashes than the trees have levels");  // 7
  if (fr != first_root) {
    return consistency_fails(
        "it does not lead to the first tree's root hash: the first tree is not a prefix of the "
        "second");
  }
  if (sr != second_root) {
    return consistency_fails(
        "it does not lead to the second tree's root hash: the second tree does not extend the "
        "first");
  }
  return {};
}

}  // namespace hub::audit
