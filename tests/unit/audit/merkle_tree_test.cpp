// The incremental Merkle tree against RFC 9162's recursive definitions (merkle_reference.hpp),
// for every tree size up to 130 and every index and pair of sizes in it, and the cost of each
// operation in node reads and writes.
#include "hub/audit/merkle_tree.hpp"

#include <gtest/gtest.h>

#include <bit>

#include "hub/audit/proof_verify.hpp"
#include "hub/audit/tree_proofs.hpp"
#include "unit/audit/merkle_reference.hpp"

namespace hub::audit {
namespace {

constexpr std::uint64_t kLeaves = 130;

std::vector<Hash> sample_leaves(std::uint64_t n) {
  std::vector<Hash> out;
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(leaf_hash("leaf " + std::to_string(i)));
  return out;
}

// Counts what the tree asks of its store.
class CountingStore final : public NodeStore {
 public:
  Result<std::vector<Hash>> get(std::span<const NodeId> ids) override {
    ++gets;
    nodes_read += ids.size();
    return inner.get(ids);
  }
  Result<void> put(std::span<const Node> nodes) override {
    ++puts;
    nodes_written += nodes.size();
    return inner.put(nodes);
  }
  MemoryNodeStore inner;
  int gets = 0, puts = 0;
  std::size_t nodes_read = 0, nodes_written = 0;
};

class MerkleTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leaves_ = sample_leaves(kLeaves);
    for (const auto& l : leaves_) ASSERT_TRUE(tree_.append({&l, 1}));
  }
  std::vector<Hash> leaves_;
  MemoryNodeStore store_;
  MerkleTree tree_{store_};
  reference::Tree ref_{sample_leaves(kLeaves)};
};

TEST_F(MerkleTreeTest, RootOfEverySizeIsTheRfcMth) {
  EXPECT_EQ(tree_.size(), kLeaves);
  EXPECT_EQ(tree_.root(), ref_.mth(0, kLeaves));
  for (std::uint64_t m = 0; m <= kLeaves; ++m) {
    auto r = tree_.root_at(m);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, ref_.mth(0, m)) << "size " << m;
  }
}

TEST_F(MerkleTreeTest, TheRootAsEachLeafIsAppendedIsTheRfcMth) {
  MemoryNodeStore s;
  MerkleTree t(s);
  EXPECT_EQ(t.root(), empty_tree_hash());
  for (std::uint64_t m = 1; m <= kLeaves; ++m) {
    ASSERT_TRUE(t.append({&leaves_[m - 1], 1}));
    EXPECT_EQ(t.root(), ref_.mth(0, m)) << "size " << m;
  }
}

TEST_F(MerkleTreeTest, InclusionProofOfEveryLeafInEverySizeIsTheRfcPathAndVerifies) {
  for (std::uint64_t n = 1; n <= kLeaves; ++n) {
    const Hash root = ref_.mth(0, n);
    for (std::uint64_t i = 0; i < n; ++i) {
      auto p = tree_.inclusion_proof(i, n);
      ASSERT_TRUE(p) << p.error().message;
      ASSERT_EQ(*p, ref_.path(i, 0, n)) << "leaf " << i << " of " << n;
      EXPECT_TRUE(verify_inclusion(leaves_[i], i, n, *p, root)) << "leaf " << i << " of " << n;
    }
  }
}

TEST_F(MerkleTreeTest, ConsistencyProofOfEveryPairOfSizesIsTheRfcProofAndVerifies) {
  for (std::uint64_t n = 1; n <= kLeaves; ++n) {
    for (std::uint64_t m = 0; m <= n; ++m) {
      auto p = tree_.consistency_proof(m, n);
      ASSERT_TRUE(p) << p.error().message;
      const auto expected = (m == 0 || m == n) ? std::vector<Hash>{} : ref_.proof(m, n);
      ASSERT_EQ(*p, expected) << m << " -> " << n;
      EXPECT_TRUE(verify_consistency(m, n, *p, ref_.mth(0, m), ref_.mth(0, n))) << m << " -> " << n;
    }
  }
}

TEST_F(MerkleTreeTest, ProofsOfAnotherLeafOrRootDoNotVerify) {
  const std::uint64_t n = 77;
  const Hash root = ref_.mth(0, n);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto p = tree_.inclusion_proof(i, n);
    ASSERT_TRUE(p);
    EXPECT_FALSE(verify_inclusion(leaves_[(i + 1) % n], i, n, *p, root));
    EXPECT_FALSE(verify_inclusion(leaves_[i], i, n, *p, ref_.mth(0, n - 1)));
  }
  for (std::uint64_t m = 1; m < n; ++m) {
    auto p = tree_.consistency_proof(m, n);
    ASSERT_TRUE(p);
    Hash other_first = ref_.mth(0, m);
    other_first[0] ^= 1;
    EXPECT_FALSE(verify_consistency(m, n, *p, other_first, root)) << m;
    EXPECT_FALSE(verify_consistency(m, n, *p, ref_.mth(0, m), ref_.mth(0, n - 1))) << m;
  }
}

TEST_F(MerkleTreeTest, SizesBeyondTheTreeAndIndexesBeyondTheSizeAreRefused) {
  EXPECT_EQ(tree_.root_at(kLeaves + 1).error().code, Errc::invalid_input);
  EXPECT_EQ(tree_.inclusion_proof(0, kLeaves + 1).error().code, Errc::invalid_input);
  EXPECT_EQ(tree_.inclusion_proof(5, 5).error().code, Errc::invalid_input);
  EXPECT_EQ(tree_.consistency_proof(6, 5).error().code, Errc::invalid_input);
  EXPECT_EQ(tree_.consistency_proof(5, kLeaves + 1).error().code, Errc::invalid_input);
}

TEST(MerkleTreeCost, AnAppendWritesTheNodesItCompletesAndReadsNothing) {
  CountingStore s;
  MerkleTree t(s);
  const auto leaves = sample_leaves(1024);
  for (std::uint64_t n = 0; n < leaves.size(); ++n) {
    const std::size_t before = s.nodes_written;
    ASSERT_TRUE(t.append({&leaves[n], 1}));
    // The leaf, and one parent for each trailing one bit of the old size.
    EXPECT_EQ(s.nodes_written - before, 1u + std::countr_one(n)) << n;
  }
  EXPECT_EQ(s.gets, 0);
  EXPECT_EQ(s.puts, 1024);
  // Every complete subtree once: 1024 + 512 + ... + 1.
  EXPECT_EQ(s.nodes_written, 2047u);
}

TEST(MerkleTreeCost, ABatchIsOneWrite) {
  CountingStore s;
  MerkleTree t(s);
  const auto leaves = sample_leaves(1000);
  ASSERT_TRUE(t.append(leaves));
  EXPECT_EQ(s.puts, 1);
  EXPECT_EQ(t.root(), reference::Tree(leaves).mth(0, 1000));
}

TEST(MerkleTreeCost, RootsAndProofsReadLogarithmicallyManyNodesInOneCall) {
  CountingStore s;
  MerkleTree t(s);
  const std::uint64_t n = 1000;
  ASSERT_TRUE(t.append(sample_leaves(n)));
  const std::size_t bound = 2 * (std::bit_width(n) + 1);
  for (std::uint64_t m = 1; m <= n; m += 7) {
    for (auto op : {0, 1, 2}) {
      s.gets = 0;
      s.nodes_read = 0;
      const bool answered = op == 0   ? t.root_at(m).has_value()
                            : op == 1 ? t.inclusion_proof(m / 3, m).has_value()
                                      : t.consistency_proof(m / 2, m).has_value();
      ASSERT_TRUE(answered);
      EXPECT_LE(s.gets, 1);
      EXPECT_LE(s.nodes_read, bound) << "op " << op << " size " << m;
    }
  }
}

TEST(MerkleTreeStore, ReopenedFromItsStoreItGoesOnWhereItStopped) {
  MemoryNodeStore s;
  const auto leaves = sample_leaves(100);
  {
    MerkleTree t(s);
    ASSERT_TRUE(t.append(std::span(leaves).first(61)));
  }
  auto reopened = MerkleTree::open(s, 61);
  ASSERT_TRUE(reopened) << reopened.error().message;
  ASSERT_TRUE(reopened->append(std::span(leaves).subspan(61)));
  EXPECT_EQ(reopened->root(), reference::Tree(leaves).mth(0, 100));
  // A size the store does not hold cannot be opened.
  EXPECT_EQ(MerkleTree::open(s, 101).error().code, Errc::not_found);
}

// A store that refuses writes: the tree stays as it was, so a retried batch appends once.
class RefusingStore final : public NodeStore {
 public:
  Result<std::vector<Hash>> get(std::span<const NodeId> ids) override { return inner.get(ids); }
  Result<void> put(std::span<const Node> nodes) override {
    if (refuse) return make_error(Errc::internal, "disk full");
    return inner.put(nodes);
  }
  MemoryNodeStore inner;
  bool refuse = false;
};

TEST(MerkleTreeStore, AFailedWriteLeavesTheTreeUnchanged) {
  RefusingStore s;
  MerkleTree t(s);
  const auto leaves = sample_leaves(10);
  ASSERT_TRUE(t.append(std::span(leaves).first(5)));
  const Hash before = t.root();
  s.refuse = true;
  EXPECT_FALSE(t.append(std::span(leaves).subspan(5)));
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.root(), before);
  s.refuse = false;
  ASSERT_TRUE(t.append(std::span(leaves).subspan(5)));
  EXPECT_EQ(t.root(), reference::Tree(leaves).mth(0, 10));
}

TEST(MemoryNodeStore, ANodeNeverChangesAndAFailedPutWritesNothing) {
  MemoryNodeStore s;
  const Hash a = leaf_hash("a"), b = leaf_hash("b");
  ASSERT_TRUE(s.put(std::vector<Node>{{{0, 0}, a}}));
  EXPECT_TRUE(s.put(std::vector<Node>{{{0, 0}, a}}));  // the same again: accepted
  const std::vector<Node> batch{{{0, 1}, b}, {{0, 0}, b}};
  auto changed = s.put(batch);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, Errc::conflict);
  EXPECT_EQ(s.get(std::vector<NodeId>{{0, 1}}).error().code, Errc::not_found);
  EXPECT_EQ(s.put(std::vector<Node>{{{0, 5}, a}}).error().code, Errc::invalid_input);
}

}  // namespace
}  // namespace hub::audit
