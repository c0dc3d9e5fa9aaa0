// The journal's Merkle tree, checkpoints and retention in hub::store, on both engines: nodes
// stored with their entries (all or nothing), read back in the order asked, caught up for entries
// written without them, append-only; checkpoints stored once per tree size; pruning that erases
// an entry's contents and keeps everything the chain and the tree need, and nothing else.
#include <gtest/gtest.h>

#include "unit/store/engines.hpp"

namespace hub::store {
namespace {

std::string test_seal(const JournalEntry& e) {
  return "h" + std::to_string(e.seq) + "<" + e.prev_hash.substr(0, 8);
}

// 64 hex digits that name a value (decimal digits are hex digits).
std::string hex64(std::int64_t v, char pad = '0') {
  const std::string s = std::to_string(v);
  return std::string(64 - s.size(), pad) + s;
}

// A stand-in for hub/audit's tree: each entry's leaf at (0, seq - 1), and one node (1, i) per
// completed pair, whose hash needs the left leaf read back from the store, in the transaction.
Result<std::vector<TreeNode>> test_tree(const TreeReader& read, std::int64_t size_before,
                                        const std::vector<JournalEntry>& entries) {
  std::vector<TreeNode> out;
  for (const auto& e : entries) {
    out.push_back({{0, e.seq - 1}, hex64(e.seq)});
    if (e.seq % 2 == 0) {
      std::string left;
      if (e.seq - 2 < size_before) {
        auto got = read.nodes({{0, e.seq - 2}});
        if (!got) return got.error();
        left = got->front();
      } else {
        left = hex64(e.seq - 1);
      }
      out.push_back({{1, (e.seq - 1) / 2}, hex64(e.seq / 2, left == hex64(e.seq - 1) ? 'f' : 'x')});
    }
  }
  return out;
}

std::vector<JournalEntry> entries(int n, std::int64_t time_ms = 1000) {
  std::vector<JournalEntry> v(static_cast<std::size_t>(n));
  for (auto& e : v) {
    e.time_ms = time_ms;
    e.principal = "agency";
    e.partner = "dgsn";
    e.identifier_hmac = "ab";
    e.identifier_masked = "BK****56";
    e.outcome = "ok";
    e.latency_us = 12;
    e.response_sha256 = "cd";
  }
  return v;
}

// What retention keeps of a pruned entry, here distinct from test_tree's leaves.
const JournalLeafHasher kLeaf = [](const JournalEntry& e) { return hex64(e.seq, 'e'); };

StoredCheckpoint checkpoint(std::int64_t size, std::string note = "") {
  return {size, hex64(size), 1'700'000'000'000 + size,
          note.empty() ? "note of " + std::to_string(size) : note, ""};
}

class JournalTreeStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    auto s = open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  std::vector<JournalEntry> scan() {
    std::vector<JournalEntry> out;
    auto r = store_->scan_journal(1, [&](const JournalEntry& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(r) << r.error().message;
    return out;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(JournalTreeStoreTest, NodesAreStoredWithTheirEntriesAndReadInTheOrderAsked) {
  auto first = entries(3);
  ASSERT_TRUE(store_->append_journal(first, test_seal, test_tree));
  auto second = entries(3);  // entry 4 completes the pair (3, 4): leaf 2 is read back
  ASSERT_TRUE(store_->append_journal(second, test_seal, test_tree));
  auto size = store_->tree_size();
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, 6);
  auto nodes = store_->tree_nodes({{1, 1}, {0, 5}, {0, 0}, {1, 2}});
  ASSERT_TRUE(nodes) << nodes.error().message;
  EXPECT_EQ(*nodes, (std::vector<std::string>{hex64(2, 'f'), hex64(6), hex64(1), hex64(3, 'f')}));
  auto missing = store_->tree_nodes({{0, 1}, {0, 6}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("(0, 6)"), std::string::npos) << missing.error().message;
}

TEST_P(JournalTreeStoreTest, ATreeThatCannotBeBuiltStoresNeitherNodesNorEntries) {
  auto first = entries(2);
  ASSERT_TRUE(store_->append_journal(first, test_seal, test_tree));
  const JournalTreeBuilder failing = [](const TreeReader&, std::int64_t,
                                        const std::vector<JournalEntry>&) {
    return Result<std::vector<TreeNode>>(make_error(Errc::internal, "no tree today"));
  };
  auto batch = entries(3);
  auto r = store_->append_journal(batch, test_seal, failing);
  ASSERT_FALSE(r);
  EXPECT_EQ(scan().size(), 2u);
  auto head = store_->journal_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 2);
  // A node that is already stored (a tree that disagrees with the store) fails the batch too.
  const JournalTreeBuilder clashing = [](const TreeReader&, std::int64_t,
                                         const std::vector<JournalEntry>& es) {
    return Result<std::vector<TreeNode>>(std::vector<TreeNode>{
        {{0, es.front().seq - 1}, hex64(es.front().seq)}, {{0, 0}, hex64(99)}});
  };
  EXPECT_FALSE(store_->append_journal(batch, test_seal, clashing));
  EXPECT_EQ(scan().size(), 2u);
  auto size = store_->tree_size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 2);
}

TEST_P(JournalTreeStoreTest, EntriesWrittenWithoutTheTreeAreCaughtUpInBoundedSteps) {
  auto old = entries(5);
  ASSERT_TRUE(store_->append_journal(old, test_seal));  // the chain alone
  auto size = store_->tree_size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 0);
  std::vector<std::int64_t> steps;
  for (int i = 0; i < 5; ++i) {
    auto s = store_->extend_tree(2, test_tree);
    ASSERT_TRUE(s) << s.error().message;
    steps.push_back(*s);
  }
  EXPECT_EQ(steps, (std::vector<std::int64_t>{2, 4, 5, 5, 5}));
  auto more = entries(2);
  ASSERT_TRUE(store_->append_journal(more, test_seal, test_tree));
  auto nodes = store_->tree_nodes({{0, 4}, {0, 6}, {1, 2}});
  ASSERT_TRUE(nodes) << nodes.error().message;
  EXPECT_EQ((*nodes)[0], hex64(5));
  EXPECT_EQ((*nodes)[2], hex64(3, 'f')) << "leaf 4, stored by the catch-up, was read back";
}

TEST_P(JournalTreeStoreTest, TheTreeIsAppendOnly) {
  auto batch = entries(2);
  ASSERT_TRUE(store_->append_journal(batch, test_seal, test_tree));
  EXPECT_FALSE(db_->exec("UPDATE audit_tree SET hash = 'x' WHERE level = 0 AND idx = 0"));
  EXPECT_NE(db_->last_error().find("append-only"), std::string::npos) << db_->last_error();
  EXPECT_FALSE(db_->exec("DELETE FROM audit_tree WHERE level = 0 AND idx = 1"));
  auto nodes = store_->tree_nodes({{0, 0}, {0, 1}});
  ASSERT_TRUE(nodes);
  EXPECT_EQ((*nodes)[0], hex64(1));
}

TEST_P(JournalTreeStoreTest, OneCheckpointPerTreeSizeAppendOnly) {
  auto none = store_->latest_checkpoint();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  for (std::int64_t size : {8, 3, 12}) {
    auto added = store_->add_checkpoint(checkpoint(size));
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_TRUE(*added);
  }
  auto again = store_->add_checkpoint(checkpoint(8, "another node's note"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "a second checkpoint of one tree size";
  auto latest = store_->latest_checkpoint();
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->tree_size, 12);
  auto at = store_->checkpoint_at(8);
  ASSERT_TRUE(at && *at);
  EXPECT_EQ((*at)->note, "note of 8");
  EXPECT_EQ((*at)->signed_ms, 1'700'000'000'008);
  std::vector<std::int64_t> sizes;
  ASSERT_TRUE(store_->scan_checkpoints([&](const StoredCheckpoint& c) {
    sizes.push_back(c.tree_size);
    return true;
  }));
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{3, 8, 12}));
  EXPECT_FALSE(db_->exec("UPDATE audit_checkpoints SET note = 'x' WHERE tree_size = 8"));
  EXPECT_FALSE(db_->exec("DELETE FROM audit_checkpoints WHERE tree_size = 3"));
}

TEST_P(JournalTreeStoreTest, PruningErasesContentsOfOldCheckpointedEntriesOnly) {
  auto old = entries(4, 1000);
  ASSERT_TRUE(store_->append_journal(old, test_seal, test_tree));
  auto recent = entries(3, 5000);
  ASSERT_TRUE(store_->append_journal(recent, test_seal, test_tree));
  ASSERT_TRUE(store_->add_checkpoint(checkpoint(3)));
  const auto before = scan();

  // Older than 2000 and covered by the checkpoint of 3 entries: entries 1 to 3, not 4.
  auto pruned = store_->prune_journal(2000, 3, 9999, 100, kLeaf);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, 3);
  auto again = store_->prune_journal(2000, 3, 9999, 100, kLeaf);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  const auto after = scan();
  ASSERT_EQ(after.size(), 7u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& e = after[i];
    EXPECT_EQ(e.pruned_ms, 9999);
    EXPECT_EQ(e.seq, before[i].seq);
    EXPECT_EQ(e.time_ms, before[i].time_ms);
    EXPECT_EQ(e.prev_hash, before[i].prev_hash);
    EXPECT_EQ(e.entry_hash, before[i].entry_hash);
    EXPECT_EQ(e.leaf_hash, hex64(e.seq)) << "a pruned entry is read with its leaf";
    EXPECT_EQ(e.principal + e.purpose + e.correlation_id + e.partner + e.operation +
                  e.identifier_hmac + e.identifier_masked + e.outcome + e.response_sha256,
              "");
    EXPECT_EQ(e.latency_us, 0);
  }
  EXPECT_EQ(after[3].pruned_ms, 0);
  EXPECT_EQ(after[3].principal, "agency");
  EXPECT_EQ(after[3].leaf_hash, "") << "an entry kept whole is read without its leaf";

  // Once the checkpoint covers entry 4, it goes too; the recent ones stay.
  ASSERT_TRUE(store_->add_checkpoint(checkpoint(7)));
  auto next = store_->prune_journal(2000, 7, 10000, 100, kLeaf);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 1);
  EXPECT_EQ(scan()[4].principal, "agency");
  auto more = entries(2, 6000);
  EXPECT_TRUE(store_->append_journal(more, test_seal, test_tree)) << "the chain still grows";
}

// hub/audit's tree does not store the leaves its entries give (journal_tree.hpp): pruning stores
// the leaf of each entry it erases, as the hasher gives it from the contents still there.
TEST_P(JournalTreeStoreTest, PruningStoresTheLeafOfAnEntryWhoseTreeDidNotKeepIt) {
  const JournalTreeBuilder upper_only = [](const TreeReader&, std::int64_t,
                                           const std::vector<JournalEntry>&) {
    return Result<std::vector<TreeNode>>(std::vector<TreeNode>{});
  };
  auto old = entries(3, 1000);
  ASSERT_TRUE(store_->append_journal(old, test_seal, upper_only));
  auto size = store_->tree_size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 3) << "the tree's size follows the head, leaves stored or not";
  ASSERT_TRUE(store_->add_checkpoint(checkpoint(3)));
  auto pruned = store_->prune_journal(2000, 2, 9999, 100, kLeaf);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, 2);
  const auto after = scan();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].leaf_hash, hex64(1, 'e'));
  EXPECT_EQ(after[1].leaf_hash, hex64(2, 'e'));
  EXPECT_EQ(after[2].pruned_ms, 0);
  auto leaves = store_->tree_nodes({{0, 0}, {0, 1}});
  ASSERT_TRUE(leaves) << leaves.error().message;
  EXPECT_EQ((*leaves)[1], hex64(2, 'e'));
  auto read = store_->journal_entries(2, 3);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ(read->front().leaf_hash, hex64(2, 'e')) << "read as a scan reads it";
  EXPECT_EQ(read->back().principal, "agency");
}

TEST_P(JournalTreeStoreTest, TheTriggerRefusesEveryChangeButAPrune) {
  auto batch = entries(3);
  ASSERT_TRUE(store_->append_journal(batch, test_seal, test_tree));
  auto no_leaf = entries(1);
  ASSERT_TRUE(store_->append_journal(no_leaf, test_seal));  // entry 4: no leaf stored
  ASSERT_TRUE(store_->add_checkpoint(checkpoint(4)));
  const std::string erase =
      "UPDATE audit_journal SET principal = '', purpose = '', correlation_id = '', partner = '',"
      " operation = '', identifier_hmac = '', identifier_masked = '', outcome = '',"
      " latency_us = 0, response_sha256 = '', pruned_ms = 5";
  EXPECT_TRUE(db_->exec(erase + " WHERE seq = 1")) << db_->last_error();
  EXPECT_FALSE(db_->exec(erase + " WHERE seq = 4")) << "an entry whose leaf is not stored";
  EXPECT_FALSE(db_->exec(erase + ", entry_hash = 'x' WHERE seq = 2")) << "a hash changed";
  EXPECT_FALSE(db_->exec(erase + ", time_ms = 1 WHERE seq = 2")) << "the time changed";
  EXPECT_FALSE(db_->exec(erase.substr(0, erase.find(", pruned_ms")) + " WHERE seq = 2"))
      << "contents erased without saying so";
  EXPECT_FALSE(db_->exec("UPDATE audit_journal SET pruned_ms = 5 WHERE seq = 2"))
      << "marked pruned with its contents kept";
  EXPECT_FALSE(db_->exec("UPDATE audit_journal SET pruned_ms = 0 WHERE seq = 1"))
      << "a pruned entry made whole again";
  EXPECT_FALSE(db_->exec("UPDATE audit_journal SET outcome = 'x' WHERE seq = 3"));
  EXPECT_NE(db_->last_error().find("append-only"), std::string::npos) << db_->last_error();
  EXPECT_FALSE(db_->exec("DELETE FROM audit_journal WHERE seq = 1"));
  const auto rows = scan();
  EXPECT_EQ(rows[0].pruned_ms, 5);
  EXPECT_EQ(rows[1].pruned_ms, 0);
  EXPECT_EQ(rows[1].principal, "agency");
  // Beyond the latest checkpoint: not prunable even with its leaf stored.
  auto later = entries(1);
  ASSERT_TRUE(store_->append_journal(later, test_seal, test_tree));
  EXPECT_FALSE(db_->exec(erase + " WHERE seq = 5")) << "an entry no checkpoint covers";
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalTreeStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
