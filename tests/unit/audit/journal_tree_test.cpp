// The journal's Merkle tree kept in the store by the journal writer, on both engines: the same
// tree as RFC 9162's at every size, one tree for two writers (two hub nodes), a journal older
// than the tree caught up, receipts, signed checkpoints that never sign a fork, proofs from the
// stored nodes, and retention that keeps every proof valid.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <fstream>
#include <sstream>

#include "hub/audit/checkpointer.hpp"
#include "hub/audit/journal.hpp"
#include "hub/audit/journal_proofs.hpp"
#include "hub/audit/journal_tree.hpp"
#include "hub/audit/offline_verify.hpp"
#include "hub/audit/proof_verify.hpp"
#include "hub/audit/retention.hpp"
#include "hub/audit/tree_proofs.hpp"
#include "unit/audit/journal_fixture.hpp"
#include "unit/store/engines.hpp"

namespace hub::audit {
namespace {

using namespace std::chrono_literals;
const std::string kKey(32, 'k');

ExchangeRecord record(int i, std::chrono::system_clock::time_point at = {}) {
  ExchangeRecord r;
  r.time = at;
  r.principal = "agency-casa-anfa";
  r.purpose = "IMMATRICULATION";
  r.correlation_id = "corr-" + std::to_string(i);
  r.partner = "dgsn";
  r.operation = "identity.get";
  r.identifier = "ZX" + std::to_string(100000 + i);
  r.outcome = "ok";
  r.latency_ms = 3.5;
  r.response_body_sha256 = sha256_hex(std::to_string(i));
  return r;
}

class JournalTreeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    store_ = open_store();
    ASSERT_TRUE(store_);
  }

  std::unique_ptr<store::Store> open_store() {
    auto s = store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  std::vector<store::JournalEntry> stored() {
    std::vector<store::JournalEntry> out;
    EXPECT_TRUE(store_->scan_journal(1, [&](const store::JournalEntry& e) {
      out.push_back(e);
      return true;
    }));
    return out;
  }

  // Every root of the stored tree, from 1 leaf to all, against the tree RFC 9162 defines over
  // the stored entries (built in memory).
  void expect_stored_tree_is_the_journals() {
    const auto entries = stored();
    auto size = store_->tree_size();
    ASSERT_TRUE(size) << size.error().message;
    ASSERT_EQ(static_cast<std::size_t>(*size), entries.size());
    MemoryNodeStore memory;
    MerkleTree reference(memory);
    StoredNodes nodes(*store_);
    for (const auto& e : entries) {
      auto leaf = entry_leaf(e);  // a pruned entry's, kept
      ASSERT_TRUE(leaf) << leaf.error().message;
      ASSERT_TRUE(reference.append({&*leaf, 1}));
      auto root = root_at(nodes, reference.size());
      ASSERT_TRUE(root) << root.error().message;
      ASSERT_EQ(to_hex(*root), to_hex(reference.root())) << "tree size " << reference.size();
    }
  }

  Checkpointer checkpointer() { return Checkpointer(*store_, testing::log_signer(), {}); }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
};

TEST_P(JournalTreeTest, TheStoredTreeIsRfc9162sTreeOfTheEntriesAtEverySize) {
  Journal journal(*store_, kKey);
  int i = 0;
  for (int batch : {1, 2, 5, 13, 16, 1, 9}) {  // batches that end on every kind of edge
    for (int k = 0; k < batch; ++k) journal.append(record(++i));
    ASSERT_TRUE(journal.flush());
  }
  expect_stored_tree_is_the_journals();
}

// The store keeps the nodes from level 4 up: a row per 16 entries, and the nodes below are
// computed from the entries when a root, a proof or the tree's edge needs them.
TEST_P(JournalTreeTest, OnlyTheNodesFromLevelFourUpAreStored) {
  Journal journal(*store_, kKey);
  for (int i = 0; i < 40; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  for (store::TreeNodeId id : {store::TreeNodeId{0, 0}, {1, 3}, {3, 4}}) {
    auto below = store_->tree_nodes({id});
    ASSERT_FALSE(below) << "node (" << id.level << ", " << id.index << ") is stored";
    EXPECT_EQ(below.error().code, Errc::not_found);
  }
  auto kept = store_->tree_nodes({{4, 0}, {4, 1}, {5, 0}});
  ASSERT_TRUE(kept) << kept.error().message;
  const auto entries = stored();
  StoredNodes nodes(*store_);
  const NodeId leaf{0, 37};
  auto computed = nodes.get({&leaf, 1});
  ASSERT_TRUE(computed) << computed.error().message;
  EXPECT_EQ(computed->front(), journal_leaf_hash(entries[37]));
  expect_stored_tree_is_the_journals();
}

TEST_P(JournalTreeTest, TwoWritersOnOneDatabaseKeepOneTree) {
  auto other = open_store();  // a second hub node
  ASSERT_TRUE(other);
  Journal a(*store_, kKey);
  Journal b(*other, kKey);
  int i = 0;
  for (int round = 0; round < 6; ++round) {
    // Each writer finds the tree grown by the other since its own last batch.
    for (int k = 0; k < 3 + round; ++k) a.append(record(++i));
    ASSERT_TRUE(a.flush());
    for (int k = 0; k < 2 + 2 * round; ++k) b.append(record(++i));
    ASSERT_TRUE(b.flush());
  }
  expect_stored_tree_is_the_journals();
}

TEST_P(JournalTreeTest, AJournalWrittenWithoutTheTreeIsCaughtUpWhenTheWriterStarts) {
  {
    JournalOptions chain_only;
    chain_only.merkle_tree = false;
    Journal old(*store_, kKey, chain_only);
    for (int i = 0; i < 23; ++i) old.append(record(i));
    ASSERT_TRUE(old.flush());
  }
  auto size = store_->tree_size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 0);
  Journal journal(*store_, kKey);
  for (int i = 23; i < 30; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  expect_stored_tree_is_the_journals();
}

TEST_P(JournalTreeTest, AReceiptNamesTheEntrysLeafOnceItIsWritten) {
  Journal journal(*store_, kKey);
  for (int i = 0; i < 5; ++i) journal.append(record(i));
  boost::asio::io_context io;
  std::optional<Result<Receipt>> first, again;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const Ticket ticket = journal.append_with_receipt(record(77));
        first = co_await journal.receipt(ticket);
        again = co_await journal.receipt(ticket);
      },
      boost::asio::detached);
  io.run();
  ASSERT_TRUE(first && *first) << (first ? (*first).error().message : "not run");
  const auto entries = stored();
  const auto& e = entries.at((*first)->leaf_index);
  EXPECT_EQ(e.correlation_id, "corr-77");
  EXPECT_EQ(e.seq, 6);
  EXPECT_EQ(to_hex((*first)->leaf_hash), to_hex(journal_leaf_hash(e)));
  EXPECT_TRUE(again && !*again) << "a receipt is given once";
  auto parsed = parse_receipt(format_receipt(**first));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->leaf_index, 5u);
  EXPECT_EQ(parsed->leaf_hash, (*first)->leaf_hash);
}

TEST_P(JournalTreeTest, CheckpointsAreSignedWhenTheTreeGrowsAndProofsVerifyAgainstThem) {
  Journal journal(*store_, kKey);
  auto cp = checkpointer();
  JournalProofs proofs(*store_, 10s);
  auto none = proofs.latest();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "no_checkpoint");
  EXPECT_EQ(none.error().retry_after, 10s);
  auto empty = cp.round(std::chrono::system_clock::now());
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty) << "nothing to sign in an empty journal";

  for (int i = 0; i < 11; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  const auto at = std::chrono::system_clock::time_point(1'795'000'000'123ms);
  auto first = cp.round(at);
  ASSERT_TRUE(first && *first) << (first ? "nothing signed" : first.error().message);
  auto opened = open_checkpoint((*first)->note, testing::log_signer().verifier());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->size, 11u);
  EXPECT_EQ(opened->extensions, std::vector<std::string>{"time_ms 1795000000123"});
  EXPECT_EQ(to_hex(opened->root), (*first)->root);
  auto same = cp.round(at + 10s);
  ASSERT_TRUE(same);
  EXPECT_FALSE(*same) << "the tree did not grow: no new checkpoint";

  for (int i = 11; i < 30; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  auto second = cp.round(at + 20s);
  ASSERT_TRUE(second && *second);
  auto latest = open_checkpoint((*second)->note, testing::log_signer().verifier());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->size, 30u);

  const auto entries = stored();
  for (std::uint64_t index : {0, 10, 17, 29}) {
    auto p = proofs.inclusion(index, std::nullopt);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->tree_size, 30u);
    EXPECT_EQ(p->checkpoint, (*second)->note);
    EXPECT_EQ(p->leaf_hash, journal_leaf_hash(entries[index]));
    EXPECT_TRUE(verify_inclusion(p->leaf_hash, index, 30, p->path, latest->root));
  }
  auto old = proofs.inclusion(3, 11);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->checkpoint, (*first)->note);
  EXPECT_TRUE(verify_inclusion(old->leaf_hash, 3, 11, old->path, opened->root));
  auto between = proofs.consistency(11, std::nullopt);
  ASSERT_TRUE(between);
  EXPECT_TRUE(verify_consistency(11, 30, between->path, opened->root, latest->root));
  auto unsigned_size = proofs.inclusion(3, 20);
  ASSERT_TRUE(unsigned_size);
  EXPECT_FALSE(unsigned_size->checkpoint) << "no checkpoint of 20 entries was signed";

  auto beyond = proofs.inclusion(3, 31);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().detail, "not_checkpointed");
  auto outside = proofs.inclusion(30, std::nullopt);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, Errc::invalid_input);
  EXPECT_FALSE(proofs.consistency(31, 30));
}

// Someone rewrote the stored tree under the latest checkpoint (here its root node): the hub
// refuses to sign the tree that no longer extends what it signed before.
TEST_P(JournalTreeTest, TheHubNeverSignsATreeThatDoesNotExtendItsLatestCheckpoint) {
  Journal journal(*store_, kKey);
  for (int i = 0; i < 16; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  auto cp = checkpointer();
  ASSERT_TRUE(cp.round(std::chrono::system_clock::now()));
  const std::string unlock = GetParam() == "sqlite"
                                 ? "DROP TRIGGER audit_tree_no_update; "
                                 : "ALTER TABLE audit_tree DISABLE TRIGGER USER; ";
  ASSERT_TRUE(db_->exec(unlock + "UPDATE audit_tree SET hash = '" + std::string(64, 'a') +
                        "' WHERE level = 4 AND idx = 0"))
      << db_->last_error();
  for (int i = 16; i < 20; ++i) journal.append(record(i));
  ASSERT_TRUE(journal.flush());
  auto refused = cp.round(std::chrono::system_clock::now());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().detail, "checkpoint_inconsistent");
  EXPECT_NE(refused.error().message.find("checkpoint of 16 entries"), std::string::npos)
      << refused.error().message;
  auto latest = store_->latest_checkpoint();
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->tree_size, 16) << "nothing was signed";
}

// Retention runs on the node whose turn it is (hub/app: a lease), and only there.
TEST_P(JournalTreeTest, RetentionRunsOnlyOnTheNodeWhoseTurnItIs) {
  const auto now = std::chrono::system_clock::now();
  Journal journal(*store_, kKey);
  for (int i = 0; i < 4; ++i) journal.append(record(i, now - std::chrono::hours(24 * 800)));
  ASSERT_TRUE(journal.flush());
  ASSERT_TRUE(checkpointer().round(now));
  CheckpointerOptions o;
  o.retention = std::chrono::hours(24 * 730);
  int asked = 0;
  o.retention_turn = [&] { return ++asked > 1; };  // another node's turn, then this one's
  Checkpointer cp(*store_, testing::log_signer(), o);
  auto skipped = cp.retain(now);
  ASSERT_TRUE(skipped) << skipped.error().message;
  EXPECT_FALSE(*skipped) << "pruned on another node's turn";
  EXPECT_NE(stored()[0].identifier_hmac, "");
  auto pruned = cp.retain(now);
  ASSERT_TRUE(pruned && *pruned);
  EXPECT_EQ(**pruned, 4);
  EXPECT_EQ(stored()[0].identifier_hmac, "");
  EXPECT_EQ(asked, 2);
}

TEST_P(JournalTreeTest, RetentionErasesOldContentsAndEveryProofStillVerifies) {
  const auto now = std::chrono::system_clock::now();
  const auto old = now - std::chrono::hours(24 * 800);
  Journal journal(*store_, kKey);
  for (int i = 0; i < 9; ++i) journal.append(record(i, old));
  for (int i = 9; i < 14; ++i) journal.append(record(i, now));
  ASSERT_TRUE(journal.flush());
  const auto before = stored();
  auto nothing = prune_expired(*store_, now, std::chrono::hours(24 * 730));
  ASSERT_TRUE(nothing);
  EXPECT_EQ(*nothing, 0) << "no checkpoint covers them yet";
  auto cp = checkpointer();
  auto first = cp.round(now);
  ASSERT_TRUE(first && *first);

  auto pruned = prune_expired(*store_, now, std::chrono::hours(24 * 730));
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, 9);
  auto chain = verify_journal(*store_);
  ASSERT_TRUE(chain);
  EXPECT_TRUE(chain->ok) << chain->problem;
  const auto after = stored();
  EXPECT_EQ(after[8].identifier_hmac, "");
  EXPECT_EQ(after[9].correlation_id, "corr-9");

  // The journal grows on; the next checkpoint extends the first, and proofs for pruned and kept
  // entries alike verify against it.
  for (int i = 14; i < 20; ++i) journal.append(record(i, now));
  ASSERT_TRUE(journal.flush());
  auto second = cp.round(now + 1s);
  ASSERT_TRUE(second && *second) << (second ? "nothing signed" : second.error().message);
  auto root = hash_from_hex((*second)->root);
  JournalProofs proofs(*store_, 10s);
  const auto grown = stored();
  for (std::uint64_t index : {0, 8, 9, 19}) {
    auto p = proofs.inclusion(index, std::nullopt);
    ASSERT_TRUE(p) << p.error().message;
    // A pruned entry's leaf is still the one its contents gave.
    EXPECT_EQ(p->leaf_hash, journal_leaf_hash(index < 9 ? before[index] : grown[index]));
    EXPECT_TRUE(verify_inclusion(p->leaf_hash, index, 20, p->path, *root)) << index;
  }

  // Offline, from an export: the pruned entries carry their leaves; one changed is found.
  const auto dir = testing::fresh_dir("pruned-export");
  std::vector<std::string> notes = {(*first)->note, (*second)->note};
  testing::write_export(dir, stored(), notes, std::nullopt);
  LogKey key{testing::log_signer().verifier().public_key(), std::nullopt};
  auto report = verify_export(dir, key, {});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok) << report->failed << ": " << report->problem;
  EXPECT_EQ(report->pruned, 9u);
  EXPECT_EQ(report->checkpoints, 2u);
  std::ifstream in(dir / "journal.ndjson");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  const std::string leaf = "\"leaf_hash\":\"" + to_hex(journal_leaf_hash(before[4])) + "\"";
  const auto at = text.find(leaf);
  ASSERT_NE(at, std::string::npos) << text.substr(0, 600);
  text.replace(at, leaf.size(), "\"leaf_hash\":\"" + std::string(64, 'e') + "\"");
  std::ofstream(dir / "journal.ndjson", std::ios::trunc) << text;
  auto broken = verify_export(dir, key, {});
  ASSERT_TRUE(broken);
  EXPECT_FALSE(broken->ok);
  EXPECT_NE(broken->failed.find("checkpoint"), std::string::npos) << broken->failed;
  EXPECT_NE(broken->problem.find("entries 1 to 14"), std::string::npos) << broken->problem;
  std::filesystem::remove_all(dir);
}

// A store whose tree was written by the hub before the tree kept only its upper levels (every
// node, leaves included, and the size given by the leaves; here remade from a journal with
// pruned entries) is migrated when opened: the lower nodes go, except the pruned entries'
// leaves, and the same tree, checkpoints and proofs are read from what is left.
TEST_P(JournalTreeTest, AStoreWithEveryNodeIsMigratedWithoutLosingAProof) {
  const auto now = std::chrono::system_clock::now();
  const auto old = now - std::chrono::hours(24 * 800);
  {
    Journal journal(*store_, kKey);
    for (int i = 0; i < 20; ++i) journal.append(record(i, old));
    for (int i = 20; i < 45; ++i) journal.append(record(i, now));
    ASSERT_TRUE(journal.flush());
  }
  auto first = checkpointer().round(now);
  ASSERT_TRUE(first && *first);
  auto pruned = prune_expired(*store_, now, std::chrono::hours(24 * 730));
  ASSERT_TRUE(pruned && *pruned == 20);
  // Every node of the 45 leaves, as the store held them before the migration.
  MemoryNodeStore memory;
  MerkleTree full(memory);
  std::string rows;
  for (const auto& e : stored()) {
    auto leaf = entry_leaf(e);
    ASSERT_TRUE(leaf);
    ASSERT_TRUE(full.append({&*leaf, 1}));
  }
  for (int level = 0; (std::uint64_t{1} << level) <= full.size(); ++level) {
    for (std::uint64_t i = 0; (i + 1) << level <= full.size(); ++i) {
      const NodeId id{level, i};
      auto h = memory.get({&id, 1});
      ASSERT_TRUE(h);
      rows += std::string(rows.empty() ? "" : ", ") + "(" + std::to_string(level) + ", " +
              std::to_string(i) + ", '" + to_hex(h->front()) + "')";
    }
  }
  store_.reset();
  const auto version = [&] {
    auto s = open_store();
    return s ? *s->schema_version() : 0;
  }();
  // Migration 10 made the tree keep its upper levels only: it and the later ones are undone, so
  // that they apply again.
  constexpr int kTreeMigration = 10;
  const bool sqlite = GetParam() == "sqlite";
  ASSERT_TRUE(db_->exec(
      "INSERT INTO audit_tree (level, idx, hash) VALUES " + rows +
      " ON CONFLICT DO NOTHING; ALTER TABLE audit_journal_head DROP COLUMN tree_size;"
      "DROP TABLE disclosures; DROP INDEX audit_journal_by_identifier;"
      "DROP TABLE prefill_jobs; DROP TABLE prefill_job_items; DROP TABLE prefill_job_errors;"
      "DROP TABLE registry_waits;" +
      (sqlite ? "PRAGMA user_version = " + std::to_string(kTreeMigration - 1) + ";"
              : "DELETE FROM schema_version WHERE version >= " + std::to_string(kTreeMigration) +
                    ";")))
      << db_->last_error();

  store_ = open_store();
  ASSERT_TRUE(store_);
  EXPECT_EQ(*store_->schema_version(), version);
  EXPECT_FALSE(store_->tree_nodes({{0, 20}})) << "a kept entry's leaf went";
  EXPECT_FALSE(store_->tree_nodes({{1, 0}})) << "a node below level 4 went";
  auto leaves = store_->tree_nodes({{0, 0}, {0, 19}, {4, 1}, {5, 0}});
  ASSERT_TRUE(leaves) << "the pruned entries' leaves and the upper nodes stay: "
                      << leaves.error().message;
  expect_stored_tree_is_the_journals();
  Journal journal(*store_, kKey);
  for (int i = 45; i < 50; ++i) journal.append(record(i, now));
  ASSERT_TRUE(journal.flush());
  auto second = checkpointer().round(now + 1s);
  ASSERT_TRUE(second && *second) << (second ? "nothing signed" : second.error().message);
  auto root = hash_from_hex((*second)->root);
  JournalProofs proofs(*store_, 10s);
  for (std::uint64_t index : {0, 19, 20, 44, 49}) {
    auto p = proofs.inclusion(index, std::nullopt);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(verify_inclusion(p->leaf_hash, index, 50, p->path, *root)) << index;
  }
  auto consistency = proofs.consistency(45, std::nullopt);
  ASSERT_TRUE(consistency) << consistency.error().message;
  EXPECT_TRUE(verify_consistency(45, 50, consistency->path, *hash_from_hex((*first)->root), *root));
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalTreeTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::audit
