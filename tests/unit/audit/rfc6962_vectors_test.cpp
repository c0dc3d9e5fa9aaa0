// Published test vectors of the RFC 6962 / RFC 9162 Merkle tree: the eight leaves of Certificate
// Transparency's reference implementation, the roots of their trees of 1 to 8 leaves, and
// inclusion and consistency proofs in them. Transcribed from transparency-dev/merkle,
// proof/verify_test.go (Apache-2.0; the values only, not its code), where the inclusion vectors
// count leaves from 1 and here from 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/audit/merkle_tree.hpp"
#include "hub/audit/proof_verify.hpp"

namespace hub::audit {
namespace {

std::string bytes_of(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Hash h(std::string_view hex) {
  auto v = hash_from_hex(hex);
  EXPECT_TRUE(v) << hex;
  return v.value_or(Hash{});
}

const std::vector<std::string> kLeafInputs = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

const std::vector<std::string> kRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // empty
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct InclusionVector {
  std::uint64_t index, size;
  std::vector<std::string> proof;
};
const std::vector<InclusionVector> kInclusion = {
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct ConsistencyVector {
  std::uint64_t first, second;
  std::vector<std::string> proof;
};
const std::vector<ConsistencyVector> kConsistency = {
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> hashes(const std::vector<std::string>& hex) {
  std::vector<Hash> out;
  for (const auto& x : hex) out.push_back(h(x));
  return out;
}

class Rfc6962Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& input : kLeafInputs) leaves_.push_back(leaf_hash(bytes_of(input)));
    ASSERT_TRUE(tree_.append(leaves_));
  }
  Hash root(std::uint64_t size) const { return h(kRoots[size]); }

  std::vector<Hash> leaves_;
  MemoryNodeStore store_;
  MerkleTree tree_{store_};
};

TEST_F(Rfc6962Vectors, RootsOfEverySize) {
  EXPECT_EQ(empty_tree_hash(), root(0));
  for (std::uint64_t n = 0; n <= 8; ++n) {
    auto r = tree_.root_at(n);
    ASSERT_TRUE(r);
    EXPECT_EQ(to_hex(*r), kRoots[n]) << "size " << n;
  }
}

TEST_F(Rfc6962Vectors, InclusionProofsAreGeneratedAndVerified) {
  for (const auto& v : kInclusion) {
    const auto expected = hashes(v.proof);
    auto p = tree_.inclusion_proof(v.index, v.size);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, expected) << "leaf " << v.index << " of " << v.size;
    EXPECT_TRUE(verify_inclusion(leaves_[v.index], v.index, v.size, expected, root(v.size)));
  }
}

TEST_F(Rfc6962Vectors, ConsistencyProofsAreGeneratedAndVerified) {
  for (const auto& v : kConsistency) {
    const auto expected = hashes(v.proof);
    auto p = tree_.consistency_proof(v.first, v.second);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, expected) << v.first << " -> " << v.second;
    EXPECT_TRUE(verify_consistency(v.first, v.second, expected, root(v.first), root(v.second)));
  }
}

// Every way of bending a good inclusion proof is refused.
TEST_F(Rfc6962Vectors, BentInclusionProofsAreRefused) {
  for (const auto& v : kInclusion) {
    const auto proof = hashes(v.proof);
    const Hash& leaf = leaves_[v.index];
    const Hash r = root(v.size);
    SCOPED_TRACE("leaf " + std::to_string(v.index) + " of " + std::to_string(v.size));
    if (v.index > 0) {
      EXPECT_FALSE(verify_inclusion(leaf, v.index - 1, v.size, proof, r));
    }
    EXPECT_FALSE(verify_inclusion(leaf, v.index + 1, v.size, proof, r));
    EXPECT_FALSE(verify_inclusion(leaf, v.index ^ 2, v.size, proof, r));
    EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size * 2, proof, r));
    EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size / 2, proof, r));
    EXPECT_FALSE(verify_inclusion(leaf_hash("another"), v.index, v.size, proof, r));
    EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size, proof, root(0)));
    auto longer = proof;
    longer.push_back(r);
    EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size, longer, r));
    auto front = proof;
    front.insert(front.begin(), r);
    EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size, front, r));
    EXPECT_FALSE(
        verify_inclusion(leaf, v.index, v.size, std::span(proof).first(proof.size() - 1), r));
    for (std::size_t i = 0; i < proof.size(); ++i) {
      auto flipped = proof;
      flipped[i][0] ^= 8;
      EXPECT_FALSE(verify_inclusion(leaf, v.index, v.size, flipped, r)) << "hash " << i;
    }
  }
}

TEST_F(Rfc6962Vectors, BentConsistencyProofsAreRefused) {
  for (const auto& v : kConsistency) {
    const auto proof = hashes(v.proof);
    const Hash r1 = root(v.first), r2 = root(v.second);
    SCOPED_TRACE(std::to_string(v.first) + " -> " + std::to_string(v.second));
    EXPECT_FALSE(verify_consistency(v.first - 1, v.second, proof, r1, r2));
    EXPECT_FALSE(verify_consistency(v.first + 1, v.second, proof, r1, r2));
    EXPECT_FALSE(verify_consistency(v.first ^ 2, v.second, proof, r1, r2));
    EXPECT_FALSE(verify_consistency(v.first, v.second * 2, proof, r1, r2));
    EXPECT_FALSE(verify_consistency(v.first, v.second / 2, proof, r1, r2));
    EXPECT_FALSE(verify_consistency(v.first, v.second, proof, r2, r1));
    EXPECT_FALSE(verify_consistency(v.first, v.second, proof, leaf_hash("x"), r2));
    EXPECT_FALSE(verify_consistency(v.first, v.second, proof, r1, leaf_hash("x")));
    EXPECT_FALSE(verify_consistency(v.first, v.second, {}, r1, r2));
    for (const Hash& extra : {r1, r2, proof[0]}) {
      auto longer = proof;
      longer.push_back(extra);
      EXPECT_FALSE(verify_consistency(v.first, v.second, longer, r1, r2));
      auto front = proof;
      front.insert(front.begin(), extra);
      EXPECT_FALSE(verify_consistency(v.first, v.second, front, r1, r2));
    }
    EXPECT_FALSE(
        verify_consistency(v.first, v.second, std::span(proof).first(proof.size() - 1), r1, r2));
    for (std::size_t i = 0; i < proof.size(); ++i) {
      auto flipped = proof;
      flipped[i][0] ^= 16;
      auto refused = verify_consistency(v.first, v.second, flipped, r1, r2);
      ASSERT_FALSE(refused) << "hash " << i;
      EXPECT_EQ(refused.error().wire_code(), "consistency_proof_invalid");
    }
  }
}

TEST(ProofEdgeCases, TrivialConsistencyAndItsLimits) {
  const Hash a = leaf_hash("a"), b = leaf_hash("b"), empty = empty_tree_hash();
  EXPECT_TRUE(verify_consistency(0, 0, {}, empty, empty));
  EXPECT_TRUE(verify_consistency(0, 1, {}, empty, a));  // the empty tree is everyone's prefix
  EXPECT_TRUE(verify_consistency(1, 1, {}, a, a));
  EXPECT_FALSE(verify_consistency(1, 1, {}, a, b));      // one size, two roots: a fork
  EXPECT_FALSE(verify_consistency(1, 0, {}, a, empty));  // a tree does not shrink
  EXPECT_FALSE(verify_consistency(2, 1, {}, a, b));
  EXPECT_FALSE(verify_consistency(1, 2, {}, a, b));  // something to prove, nothing given
  const std::vector<Hash> one{empty};
  EXPECT_FALSE(verify_consistency(0, 0, one, empty, empty));
  EXPECT_FALSE(verify_consistency(0, 1, one, empty, a));
  EXPECT_FALSE(verify_consistency(1, 1, one, a, a));
}

TEST(ProofEdgeCases, InclusionInTinyTrees) {
  const Hash a = leaf_hash("data");
  EXPECT_TRUE(verify_inclusion(a, 0, 1, {}, a));  // the root of one leaf is the leaf
  EXPECT_FALSE(verify_inclusion(a, 0, 1, {}, leaf_hash("other")));
  EXPECT_FALSE(verify_inclusion(a, 0, 0, {}, a));
  EXPECT_FALSE(verify_inclusion(a, 1, 1, {}, a));
  EXPECT_FALSE(verify_inclusion(a, 2, 1, {}, a));
  auto refused = verify_inclusion(a, 0, 2, {}, a);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().wire_code(), "inclusion_proof_invalid");
}

}  // namespace
}  // namespace hub::audit
