// A witness keeps the last checkpoint it accepted and takes a new one only with a consistency
// proof from it; a forked log (two journals under one key) is refused and named.
#include "hub/audit/witness.hpp"

#include <gtest/gtest.h>

#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

using testing::checkpoint_of;

// A log's journal with its tree, to sign checkpoints and answer proofs as the hub would.
struct Log {
  explicit Log(std::vector<store::JournalEntry> entries) : entries(std::move(entries)) {
    for (const auto& e : this->entries) {
      const Hash leaf = journal_leaf_hash(e);
      (void)tree.append({&leaf, 1});
    }
  }
  std::string checkpoint(std::uint64_t size) const {
    return checkpoint_of(entries, size, testing::log_signer());
  }
  std::vector<Hash> proof(std::uint64_t from, std::uint64_t to) {
    return *tree.consistency_proof(from, to);
  }
  std::vector<store::JournalEntry> entries;
  MemoryNodeStore nodes;
  MerkleTree tree{nodes};
};

Witness new_witness(std::optional<std::string> kept = std::nullopt) {
  auto w = Witness::create(testing::log_signer().verifier(), std::move(kept));
  EXPECT_TRUE(w) << w.error().message;
  return *w;
}

TEST(Witness, FollowsAGrowingLogWithItsProofs) {
  Log log(testing::make_journal(150));
  auto w = new_witness();
  ASSERT_TRUE(w.update(log.checkpoint(40), {}));  // the first one is taken on trust
  for (std::uint64_t size : {41, 64, 100, 100, 150}) {
    auto c = w.update(log.checkpoint(size), log.proof(w.kept()->size, size));
    ASSERT_TRUE(c) << size << ": " << c.error().message;
    EXPECT_EQ(w.kept()->size, size);
  }
  EXPECT_EQ(*w.kept_note(), log.checkpoint(150));
}

TEST(Witness, AForkedLogIsRefused) {
  Log honest(testing::make_journal(150));
  auto forked_entries = honest.entries;
  forked_entries[41].outcome = "timeout";  // entry 42, rewritten with every later hash
  testing::reseal(forked_entries, 41);
  Log forked(forked_entries);

  auto w = new_witness(honest.checkpoint(100));
  // The same size, another root.
  auto same_size = w.update(forked.checkpoint(100), {});
  ASSERT_FALSE(same_size);
  EXPECT_EQ(same_size.error().wire_code(), "fork");
  EXPECT_NE(same_size.error().message.find("both sign tree size 100"), std::string::npos);
  // A larger forked checkpoint, with the forked log's own proof from size 100.
  auto larger = w.update(forked.checkpoint(150), forked.proof(100, 150));
  ASSERT_FALSE(larger);
  EXPECT_EQ(larger.error().wire_code(), "fork");
  EXPECT_NE(larger.error().message.find("not shown to extend the kept tree size 100"),
            std::string::npos)
      << larger.error().message;
  // Or with the honest log's proof, which does not lead to the forked root either.
  EXPECT_EQ(w.update(forked.checkpoint(150), honest.proof(100, 150)).error().wire_code(), "fork");
  // The witness still holds what it had, and the honest log goes on.
  EXPECT_EQ(*w.kept_note(), honest.checkpoint(100));
  EXPECT_TRUE(w.update(honest.checkpoint(150), honest.proof(100, 150)));
}

TEST(Witness, RefusesAnOlderTreeABadSignatureAndAnotherKey) {
  Log log(testing::make_journal(60));
  auto w = new_witness(log.checkpoint(60));
  EXPECT_EQ(w.update(log.checkpoint(50), {}).error().wire_code(), "stale");
  std::string bent = log.checkpoint(60);
  bent.replace(bent.find("\n60\n"), 4, "\n61\n");
  EXPECT_EQ(w.update(bent, {}).error().wire_code(), "signature_invalid");
  EXPECT_EQ(
      w.update(checkpoint_of(log.entries, 60, testing::log_signer('x')), {}).error().wire_code(),
      "unsigned_note");
  EXPECT_EQ(*w.kept_note(), log.checkpoint(60));
  // A kept state that does not verify is not silently started afresh.
  EXPECT_FALSE(Witness::create(testing::log_signer().verifier(), bent));
}

}  // namespace
}  // namespace hub::audit
