// The tamper cases of issue 18, on a journal built here: each one is found offline, from the
// export and the log's public key, against a checkpoint a witness kept, and the verdict names
// the entry or the checkpoint. The cut tail and the full rewrite pass the plain chain check
// (entries and head alone) and are caught once a checkpoint covering them is there.
#include "hub/audit/offline_verify.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

namespace fs = std::filesystem;
using testing::checkpoint_of;
using testing::head_of;

constexpr int kEntries = 150;

class OfflineVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal_ = testing::make_journal(kEntries);
    for (std::uint64_t size : {50, 100, 150}) {
      signed_[size] = checkpoint_of(journal_, size, signer_);
    }
    // What a witness kept, outside the hub: the checkpoint of all 150 entries.
    witness_dir_ = testing::fresh_dir("witness");
    fs::create_directories(witness_dir_);
    kept_ = witness_dir_ / "kept.checkpoint";
    std::ofstream(kept_) << signed_[150];
  }
  void TearDown() override {
    for (const auto& d : dirs_) fs::remove_all(d);
    fs::remove_all(witness_dir_);
  }

  // Exports `entries` with the checkpoints of `sizes` (signed over the original journal) and
  // `head`, and verifies it with the witness's checkpoint when `with_witness`.
  OfflineReport verify(const std::vector<store::JournalEntry>& entries,
                       std::vector<std::uint64_t> sizes, std::optional<store::JournalHead> head,
                       bool with_witness) {
    std::vector<std::string> notes;
    for (auto s : sizes) notes.push_back(signed_.at(s));
    const auto dir = testing::fresh_dir("export");
    dirs_.push_back(dir);
    testing::write_export(dir, entries, notes, head);
    last_export_ = dir;
    std::vector<fs::path> extra;
    if (with_witness) extra.push_back(kept_);
    auto r = verify_export(dir, key(), extra);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : OfflineReport{};
  }
  // The plain chain check: entries and head, no checkpoint.
  OfflineReport chain_only(const std::vector<store::JournalEntry>& entries,
                           std::optional<store::JournalHead> head) {
    return verify(entries, {}, head, false);
  }
  LogKey key() const { return {signer_.verifier().public_key(), std::nullopt}; }

  NoteSigner signer_ = testing::log_signer();
  std::vector<store::JournalEntry> journal_;
  std::map<std::uint64_t, std::string> signed_;
  fs::path witness_dir_, kept_, last_export_;
  std::vector<fs::path> dirs_;
};

TEST_F(OfflineVerifyTest, AnIntactJournalVerifiesWithEveryCheckpoint) {
  auto r = verify(journal_, {50, 100, 150}, head_of(journal_), true);
  EXPECT_TRUE(r.ok) << r.failed << ": " << r.problem;
  EXPECT_EQ(r.entries, 150u);
  EXPECT_EQ(r.checkpoints, 3u);
  ASSERT_TRUE(r.latest);
  EXPECT_EQ(r.latest->size, 150u);
}

TEST_F(OfflineVerifyTest, OneByteOfAnEntryChanged) {
  auto tampered = journal_;
  tampered[41].outcome = "ol";  // entry 42: "ok" -> "ol"
  auto r = verify(tampered, {50, 100, 150}, head_of(tampered), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed, "entry 42");
  EXPECT_EQ(r.failed_entry, 42);
  EXPECT_NE(r.problem.find("a field was changed"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, AnEntryDeleted) {
  auto tampered = journal_;
  tampered.erase(tampered.begin() + 41);
  auto r = verify(tampered, {50, 100, 150}, head_of(tampered), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed, "entry 42");
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, TwoEntriesSwapped) {
  auto tampered = journal_;
  std::swap(tampered[41], tampered[42]);
  auto r = verify(tampered, {50, 100, 150}, head_of(tampered), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed, "entry 42");
  EXPECT_NE(r.problem.find("the next stored entry is 43"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, TheLastTenCutWithTheHeadMovedBack) {
  auto tampered = journal_;
  tampered.resize(kEntries - 10);
  // The export's own checkpoint of 150 entries goes with them; the chain and head agree.
  auto plain = chain_only(tampered, head_of(tampered));
  EXPECT_TRUE(plain.ok) << plain.failed << ": " << plain.problem;
  auto r = verify(tampered, {50, 100}, head_of(tampered), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed_checkpoint, kept_.string());
  EXPECT_NE(r.problem.find("entries 141 to 150 were cut from the end"), std::string::npos)
      << r.problem;
  EXPECT_EQ(r.entries, 140u);
}

TEST_F(OfflineVerifyTest, AnEntryRewrittenWithEveryLaterHashAndTheHeadRecomputed) {
  auto tampered = journal_;
  tampered[76].purpose = "CONTROLE";  // entry 77
  testing::reseal(tampered, 76);
  auto plain = chain_only(tampered, head_of(tampered));
  EXPECT_TRUE(plain.ok) << plain.failed << ": " << plain.problem;
  // The checkpoints of 100 and 150 no longer match; the one of 50 still does, which bounds
  // where the change is.
  auto r = verify(tampered, {50}, head_of(tampered), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed_checkpoint, kept_.string());
  EXPECT_NE(r.problem.find("one of entries 51 to 150 was changed"), std::string::npos) << r.problem;
  auto with_export_checkpoints = verify(tampered, {50, 100, 150}, head_of(tampered), false);
  EXPECT_FALSE(with_export_checkpoints.ok);
  EXPECT_EQ(with_export_checkpoints.failed_checkpoint,
            (last_export_ / "checkpoints" / "100.checkpoint").string());
  EXPECT_NE(with_export_checkpoints.problem.find("one of entries 51 to 100"), std::string::npos)
      << with_export_checkpoints.problem;
}

TEST_F(OfflineVerifyTest, ACheckpointsSignatureBroken) {
  std::string bent = signed_[100];
  const auto at = bent.rfind(' ') + 10;  // inside the signature's base64
  bent[at] = bent[at] == 'A' ? 'B' : 'A';
  signed_[100] = bent;
  auto r = verify(journal_, {50, 100, 150}, head_of(journal_), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed_checkpoint, (last_export_ / "checkpoints" / "100.checkpoint").string());
  EXPECT_NE(r.problem.find("does not verify"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, ACheckpointsTextChangedUnderItsSignature) {
  std::string bent = signed_[100];
  bent.replace(bent.find("\n100\n"), 5, "\n101\n");
  signed_[100] = bent;
  auto r = verify(journal_, {50, 100, 150}, head_of(journal_), false);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.failed_checkpoint.find("checkpoints"), std::string::npos);
  EXPECT_NE(r.problem.find("does not verify"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, AForkedLogsCheckpointBesideTheWitnesssOneIsNamed) {
  // The log signed another journal of 150 entries for someone else.
  auto forked = journal_;
  forked[9].purpose = "CONTROLE";
  testing::reseal(forked, 9);
  signed_[150] = checkpoint_of(forked, 150, signer_);
  auto r = verify(forked, {150}, head_of(forked), true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed_checkpoint, kept_.string());
  EXPECT_NE(r.problem.find("fork"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, TheTailCutWithoutMovingTheHeadIsFoundByTheChainAlone) {
  auto tampered = journal_;
  tampered.resize(kEntries - 10);
  auto r = chain_only(tampered, head_of(journal_));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failed, "journal head");
  EXPECT_NE(r.problem.find("the head records entry 150, the journal ends at entry 140"),
            std::string::npos)
      << r.problem;
}

TEST_F(OfflineVerifyTest, ACheckpointByAnotherKeyOrOfAnotherLogIsRefused) {
  signed_[100] = checkpoint_of(journal_, 100, testing::log_signer('x'));
  auto other_key = verify(journal_, {50, 100}, head_of(journal_), false);
  EXPECT_FALSE(other_key.ok);
  EXPECT_NE(other_key.problem.find("no signature by cnss.ma/exchange-hub/journal+"),
            std::string::npos)
      << other_key.problem;

  auto other_log = *NoteSigner::from_seed(std::string(32, 'j'), "other.example/log");
  signed_[100] = checkpoint_of(journal_, 100, other_log);
  auto r = verify(journal_, {50, 100}, head_of(journal_), false);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("is not the other checkpoints'"), std::string::npos) << r.problem;
}

TEST_F(OfflineVerifyTest, AVerifierKeyPinsTheOrigin) {
  auto vkey = NoteVerifier::from_raw(signer_.verifier().public_key(), "someone.else/log");
  ASSERT_TRUE(vkey);
  const auto dir = testing::fresh_dir("export");
  dirs_.push_back(dir);
  testing::write_export(dir, journal_, {signed_[50]}, head_of(journal_));
  auto r = verify_export(dir, LogKey{vkey->public_key(), vkey->name()}, {});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->problem.find("is not the key's name 'someone.else/log'"), std::string::npos)
      << r->problem;
}

TEST_F(OfflineVerifyTest, AnUnreadableLineIsNamed) {
  const auto dir = testing::fresh_dir("export");
  dirs_.push_back(dir);
  testing::write_export(dir, journal_, {}, std::nullopt);
  {
    std::ofstream out(dir / "journal.ndjson", std::ios::app);
    out << "{\"seq\": 151}\n";
  }
  auto r = verify_export(dir, key(), {});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->failed, "entry 151");
  EXPECT_NE(r->problem.find("line 151 of journal.ndjson cannot be read"), std::string::npos)
      << r->problem;
}

TEST_F(OfflineVerifyTest, AnEmptyJournalAndItsCheckpoint) {
  Checkpoint empty;
  empty.origin = signer_.name();
  empty.size = 0;
  empty.root = empty_tree_hash();
  signed_[0] = *sign_checkpoint(empty, signer_);
  auto r = verify({}, {0}, head_of({}), false);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checkpoints, 1u);
  empty.root = leaf_hash("x");
  signed_[0] = *sign_checkpoint(empty, signer_);
  EXPECT_FALSE(verify({}, {0}, head_of({}), false).ok);
}

TEST_F(OfflineVerifyTest, AnExportWithoutItsJournalCannotBeChecked) {
  const auto dir = testing::fresh_dir("export");
  dirs_.push_back(dir);
  testing::write_export(dir, journal_, {}, std::nullopt);
  fs::remove(dir / "journal.ndjson");
  auto r = verify_export(dir, key(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
}

}  // namespace
}  // namespace hub::audit
