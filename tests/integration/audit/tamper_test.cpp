// Issue 18's tampering cases, each on a copy of a real journal: written by a real hub with real
// exchanges (prefills through the simulators, events DGCT pushed), on SQLite and PostgreSQL, with
// a checkpoint a witness kept. Each copy is tampered with through SQL, as a database owner can,
// exported with `cnss-hub audit verify --export`, and checked offline with `audit verify
// --offline`: every case is found and named, the cut tail and the full rewrite (which the hash
// chain alone passes) by the witness's checkpoint.
#include "integration/audit/evidence.hpp"

namespace {

using namespace evidence;

class JournalTampering : public JournalEvidence {
 protected:
  // A copy of the journal's tables in a database of its own.
  std::unique_ptr<hub::testing::TestDatabase> copy() {
    auto to = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (GetParam() == "sqlite") {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::filesystem::path f = db_->sqlite_path() + suffix;
        if (std::filesystem::exists(f)) {
          std::filesystem::copy_file(f, to->sqlite_path() + suffix);
        }
      }
      return to;
    }
    auto migrated = hub::store::open(to->options());  // the same schema, empty
    EXPECT_TRUE(migrated) << migrated.error().message;
    const std::string from = db_->pg_schema() + ".";
    EXPECT_TRUE(to->exec("INSERT INTO audit_journal SELECT * FROM " + from +
                         "audit_journal ORDER BY seq;"
                         "UPDATE audit_journal_head SET (seq, hash, tree_size) = (SELECT seq, hash,"
                         " tree_size FROM " +
                         from + "audit_journal_head);INSERT INTO audit_tree SELECT * FROM " + from +
                         "audit_tree; INSERT INTO audit_checkpoints SELECT * FROM " + from +
                         "audit_checkpoints;"))
        << to->last_error();
    return to;
  }

  struct Verdicts {
    ts::RunResult chain;    // audit verify --config (the hash chain in the store)
    ts::RunResult alone;    // audit verify --offline, with the export's own checkpoints
    ts::RunResult witness;  // ... and the witness's checkpoint
  };

  // Exports the copy and checks it every way.
  Verdicts verdicts(hub::testing::TestDatabase& copy) {
    const std::string dir = ts::temp_dir("cnss-tampered");
    auto options = options_;
    const auto o = copy.options();
    options.store_yaml = ts::store_yaml(GetParam(), o.path, o.url);
    const std::string config = dir + "/hub.yaml";
    std::ofstream(config) << ts::hub_test_config(dir, options);
    Verdicts v;
    v.chain = cli({"audit", "verify", "--config", config});
    auto exported = cli({"audit", "verify", "--export", dir + "/export", "--config", config});
    EXPECT_EQ(exported.exit_code, 0) << exported.output;
    v.alone = cli(
        {"audit", "verify", "--offline", dir + "/export", "--pubkey", ts::journal_public_key()});
    v.witness = cli({"audit", "verify", "--offline", dir + "/export", "--pubkey",
                     ts::journal_public_key(), "--checkpoint", state_});
    std::filesystem::remove_all(dir);
    return v;
  }

  std::string state_;
  std::int64_t n_ = 0;  // entries in the real journal, all covered by the witness's checkpoint
};

bool says(const ts::RunResult& r, const std::string& text) {
  return r.output.find(text) != std::string::npos;
}

TEST_P(JournalTampering, EveryCaseIsFoundOfflineAndNamed) {
  for (int i = 0; i < 6; ++i) ASSERT_EQ(prefill(), 200u);
  for (int i = 0; i < 4; ++i) {
    auto pushed = push_event();
    ASSERT_TRUE(pushed.response && pushed.response->result_int() == 202) << pushed.error;
  }
  n_ = head_seq();
  ASSERT_GE(n_, 16) << "a journal long enough to cut 10 entries from";
  ASSERT_TRUE(checkpoint_of_at_least(n_));
  state_ = ts::temp_dir("cnss-witness") + "/kept.checkpoint";
  auto kept = witness(state_);
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  ASSERT_NE(kept.output.find("tree size " + std::to_string(n_)), std::string::npos) << kept.output;
  hub_->process().stop(SIGTERM);
  const std::string witness_named = "export broken at checkpoint " + state_ + ": ";

  {  // The real journal verifies every way.
    auto c = copy();
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 0) << v.chain.output;
    EXPECT_EQ(v.witness.exit_code, 0) << v.witness.output;
    EXPECT_TRUE(says(v.witness, "export verified: " + std::to_string(n_) + " entries"))
        << v.witness.output;
  }
  {  // One byte of an entry changed.
    auto c = copy();
    ASSERT_TRUE(
        c->tamper("UPDATE audit_journal SET correlation_id = 'X' ||"
                  " substr(correlation_id, 2) WHERE seq = 5"))
        << c->last_error();
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 1);
    EXPECT_TRUE(says(v.chain, "journal broken at entry 5: ")) << v.chain.output;
    EXPECT_EQ(v.witness.exit_code, 1);
    EXPECT_TRUE(says(v.witness,
                     "export broken at entry 5: its stored hash does not match its "
                     "contents (a field was changed)"))
        << v.witness.output;
  }
  {  // An entry deleted.
    auto c = copy();
    ASSERT_TRUE(c->tamper("DELETE FROM audit_journal WHERE seq = 7")) << c->last_error();
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 1);
    EXPECT_TRUE(says(v.chain, "journal broken at entry 7: the entry is missing")) << v.chain.output;
    EXPECT_EQ(v.witness.exit_code, 1);
    EXPECT_TRUE(says(v.witness,
                     "export broken at entry 7: the entry is missing (the next stored "
                     "entry is 8)"))
        << v.witness.output;
  }
  {  // Two entries swapped.
    auto c = copy();
    ASSERT_TRUE(
        c->tamper("UPDATE audit_journal SET seq = -9 WHERE seq = 9;"
                  "UPDATE audit_journal SET seq = 9 WHERE seq = 10;"
                  "UPDATE audit_journal SET seq = 10 WHERE seq = -9;"))
        << c->last_error();
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 1);
    EXPECT_TRUE(says(v.chain, "journal broken at entry 9: ")) << v.chain.output;
    EXPECT_EQ(v.witness.exit_code, 1);
    EXPECT_TRUE(says(v.witness, "export broken at entry 9: ")) << v.witness.output;
  }
  {  // The last 10 entries cut, the head moved back, the checkpoints that covered them removed:
     // the chain and the export's own checkpoints pass; the witness's checkpoint does not.
    auto c = copy();
    const std::string last = std::to_string(n_ - 10);
    const std::string unlock = GetParam() == "sqlite"
                                   ? "DROP TRIGGER audit_checkpoints_no_delete; "
                                   : "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; ";
    ASSERT_TRUE(c->tamper(unlock + "DELETE FROM audit_journal WHERE seq > " + last +
                          "; UPDATE audit_journal_head SET seq = " + last +
                          ", hash = (SELECT entry_hash FROM audit_journal WHERE seq = " + last +
                          ") WHERE id = 1; DELETE FROM audit_checkpoints WHERE tree_size > " +
                          last + ";"))
        << c->last_error();
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 0) << "the chain alone cannot see a cut tail: " << v.chain.output;
    EXPECT_EQ(v.alone.exit_code, 0) << v.alone.output;
    EXPECT_EQ(v.witness.exit_code, 1);
    EXPECT_TRUE(says(v.witness, witness_named + "it signs a journal of " + std::to_string(n_) +
                                    " entries, but the export holds " + last + ": entries " +
                                    std::to_string(n_ - 9) + " to " + std::to_string(n_) +
                                    " were cut from the end"))
        << v.witness.output;
  }
  {  // An entry rewritten with every later hash and the head recomputed.
    auto c = copy();
    rewrite_from(*c, 3, [](hub::store::JournalEntry& e) { e.outcome = "not_found"; });
    auto v = verdicts(*c);
    EXPECT_EQ(v.chain.exit_code, 0) << "the chain alone cannot see a rewrite: " << v.chain.output;
    EXPECT_EQ(v.alone.exit_code, 0) << v.alone.output;
    EXPECT_EQ(v.witness.exit_code, 1);
    EXPECT_TRUE(says(v.witness, witness_named +
                                    "its root hash is not the root of the journal's "
                                    "first " +
                                    std::to_string(n_) + " entries: one of entries 1 to " +
                                    std::to_string(n_) + " was changed"))
        << v.witness.output;
  }
  {  // A checkpoint's signature broken.
    auto c = copy();
    auto s = hub::store::open(c->options());
    ASSERT_TRUE(s);
    auto latest = (*s)->latest_checkpoint();
    ASSERT_TRUE(latest && *latest);
    std::string note = (*latest)->note;
    const auto at = note.size() - 6;  // inside the signature's base64
    note[at] = note[at] == 'A' ? 'B' : 'A';
    const std::string unlock = GetParam() == "sqlite"
                                   ? "DROP TRIGGER audit_checkpoints_no_update; "
                                   : "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; ";
    ASSERT_TRUE(c->tamper(unlock + "UPDATE audit_checkpoints SET note = '" + note +
                          "' WHERE tree_size = " + std::to_string((*latest)->tree_size)))
        << c->last_error();
    auto v = verdicts(*c);
    EXPECT_EQ(v.alone.exit_code, 1);
    EXPECT_TRUE(says(v.alone, "/checkpoints/" + std::to_string((*latest)->tree_size) +
                                  ".checkpoint: the signature by cnss.ma/exchange-hub/journal"))
        << v.alone.output;
  }
  std::filesystem::remove_all(std::filesystem::path(state_).parent_path());
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalTampering, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
