// Retention keeps the journal verifiable (docs/audit.md, "Retention"), on a real journal written
// by a real hub (SQLite and PostgreSQL) over mutual TLS: once its entries' contents are pruned,
// the chain still verifies, the hub still proves a pruned entry's inclusion with the leaf hash
// it had before, a witness that kept a checkpoint from before the pruning accepts the next one,
// and an export checks offline against the witness's checkpoint.
#include "hub/audit/retention.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/proof_json.hpp"
#include "hub/audit/proof_verify.hpp"
#include "integration/audit/evidence.hpp"

namespace {

using namespace evidence;
namespace audit = hub::audit;

class JournalRetention : public JournalEvidence {
 protected:
  std::vector<hub::store::JournalEntry> entries() {
    std::vector<hub::store::JournalEntry> out;
    auto s = hub::store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return out;
    EXPECT_TRUE((*s)->scan_journal(1, [&](const hub::store::JournalEntry& e) {
      out.push_back(e);
      return true;
    }));
    return out;
  }

  // The inclusion proof of entry `seq` the hub serves, checked against its signed checkpoint;
  // returns the proof's leaf hash.
  std::optional<audit::Hash> proved_leaf(std::int64_t seq) {
    auto ex = call("dgct", "partners", "GET",
                   "/partner/v1/journal/proof?index=" + std::to_string(seq - 1));
    EXPECT_TRUE(ex.response && ex.response->result_int() == 200)
        << (ex.response ? ex.response->body() : ex.error);
    if (!ex.response || ex.response->result_int() != 200) return std::nullopt;
    auto p = audit::inclusion_from_json(ex.response->body());
    EXPECT_TRUE(p && p->answer.checkpoint) << (p ? "no checkpoint" : p.error().message);
    if (!p || !p->answer.checkpoint) return std::nullopt;
    auto c = audit::open_checkpoint(*p->answer.checkpoint, journal_key());
    EXPECT_TRUE(c) << c.error().message;
    if (!c) return std::nullopt;
    auto ok = audit::verify_inclusion(p->answer.leaf_hash, p->answer.leaf_index, c->size,
                                      p->answer.path, c->root);
    EXPECT_TRUE(ok) << "entry " << seq << ": " << ok.error().message;
    return p->answer.leaf_hash;
  }
};

TEST_P(JournalRetention, PrunedEntriesKeepTheTreeAndEveryProofVerifiable) {
  for (int i = 0; i < 4; ++i) ASSERT_EQ(prefill(), 200u);
  auto pushed = push_event();
  ASSERT_TRUE(pushed.response && pushed.response->result_int() == 202) << pushed.error;
  const std::int64_t n = head_seq();
  ASSERT_GE(n, 5);
  ASSERT_TRUE(checkpoint_of_at_least(n));
  const std::string dir = ts::temp_dir("cnss-retention");
  const std::string state = dir + "/kept.checkpoint";
  auto kept = witness(state);
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  const auto before = entries();
  ASSERT_EQ(static_cast<std::int64_t>(before.size()), n);

  // The hub's retention, as its checkpointer runs it, a thousand days on with one day kept: every
  // entry the checkpoint covers is pruned.
  hub_->process().stop(SIGTERM);
  {
    auto s = hub::store::open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    auto pruned = audit::prune_expired(
        **s, std::chrono::system_clock::now() + std::chrono::days(1000), std::chrono::days(1));
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, n);
  }
  const auto after = entries();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE("entry " + std::to_string(after[i].seq));
    EXPECT_GT(after[i].pruned_ms, 0);
    EXPECT_EQ(after[i].principal, "") << "the contents are erased";
    EXPECT_EQ(after[i].identifier_masked, "");
    EXPECT_EQ(after[i].entry_hash, before[i].entry_hash) << "the chain's hashes are kept";
    EXPECT_EQ(after[i].leaf_hash, audit::to_hex(audit::journal_leaf_hash(before[i])))
        << "the leaf is kept";
  }
  auto chain = cli({"audit", "verify", "--config", hub_->config_file()});
  EXPECT_EQ(chain.exit_code, 0) << chain.output;
  EXPECT_NE(chain.output.find("journal verified: " + std::to_string(n) + " entries"),
            std::string::npos)
      << chain.output;

  // The hub on the pruned journal: the journal grows, a new checkpoint extends the witness's.
  start();
  for (int i = 0; i < 2; ++i) ASSERT_EQ(prefill(), 200u);
  ASSERT_TRUE(checkpoint_of_at_least(n + 1));
  auto next = witness(state);
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_NE(next.output.find("consistent with the tree size " + std::to_string(n)),
            std::string::npos)
      << next.output;
  // A pruned entry's proof is the one for the leaf it had before; a later entry's verifies too.
  auto first = proved_leaf(1);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, audit::journal_leaf_hash(before.front()));
  EXPECT_TRUE(proved_leaf(n));
  EXPECT_TRUE(proved_leaf(n + 1));

  // The export carries the pruned entries' leaves, and checks offline against the witness.
  hub_->process().stop(SIGTERM);
  auto exported =
      cli({"audit", "verify", "--export", dir + "/export", "--config", hub_->config_file()});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  auto offline = cli({"audit", "verify", "--offline", dir + "/export", "--pubkey",
                      ts::journal_public_key(), "--checkpoint", state});
  EXPECT_EQ(offline.exit_code, 0) << offline.output;
  EXPECT_NE(offline.output.find("; " + std::to_string(n) + " pruned by retention"),
            std::string::npos)
      << offline.output;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalRetention, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
