// `cnss-hub audit verify --offline DIR --pubkey KEY`: an export checked with a PEM key or a
// verifier key, a tampered one named, and the cases that cannot be checked.
#include <gtest/gtest.h>

#include <fstream>

#include "hub/audit/journal.hpp"
#include "unit/audit/cli_run.hpp"
#include "unit/audit/journal_fixture.hpp"
#include "unit/audit/key_files.hpp"

namespace hub::audit {
namespace {

namespace fs = std::filesystem;
using hub::testing::CliRun;

CliRun run(std::vector<std::string> args) {
  return hub::testing::run_audit_cli(std::move(args));
}

class OfflineCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_dir("offline-cli");
    fs::create_directories(dir_);
    const auto pem = testing::new_key();
    testing::write_file(dir_ / "signing.key", pem.private_pem, 0600);
    testing::write_file(dir_ / "signing.pub.pem", pem.public_pem, 0644);
    signer_ = *NoteSigner::from_pem_file((dir_ / "signing.key").string(), testing::kOrigin);
    journal_ = testing::make_journal(150);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string export_of(const std::vector<store::JournalEntry>& entries,
                        std::vector<std::uint64_t> sizes) {
    const auto out = dir_ / ("export-" + std::to_string(++exports_));
    std::vector<std::string> notes;
    for (auto s : sizes) notes.push_back(testing::checkpoint_of(journal_, s, signer_));
    testing::write_export(out, entries, notes, testing::head_of(entries));
    return out.string();
  }
  std::string pubkey() const { return (dir_ / "signing.pub.pem").string(); }

  fs::path dir_;
  NoteSigner signer_ = testing::log_signer();
  std::vector<store::JournalEntry> journal_;
  int exports_ = 0;
};

TEST_F(OfflineCliTest, AnIntactExportVerifiesWithThePemKey) {
  auto r =
      run({"audit", "verify", "--offline", export_of(journal_, {100, 150}), "--pubkey", pubkey()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("export verified: 150 entries, 2 checkpoints (the latest: tree size 150, "
                        "root hash ",
                        0),
            0u)
      << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(OfflineCliTest, AVerifierKeyFileServesAsWell) {
  const auto vkey = dir_ / "journal.vkey";
  std::ofstream(vkey) << signer_.verifier().vkey() << "\n";
  auto r =
      run({"audit", "verify", "--offline", export_of(journal_, {150}), "--pubkey", vkey.string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST_F(OfflineCliTest, ATamperedExportIsNamedAndExitsOne) {
  auto tampered = journal_;
  tampered[41].outcome = "ol";
  auto r = run({"audit", "verify", "--offline", export_of(tampered, {150}), "--pubkey", pubkey()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            "export broken at entry 42: its stored hash does not match its contents (a field "
            "was changed)\n");
}

TEST_F(OfflineCliTest, AWitnessCheckpointFindsARewrite) {
  auto tampered = journal_;
  tampered[99].purpose = "CONTROLE";
  testing::reseal(tampered, 99);
  const auto kept = dir_ / "kept.checkpoint";
  std::ofstream(kept) << testing::checkpoint_of(journal_, 150, signer_);
  const auto exported = export_of(tampered, {});
  auto plain = run({"audit", "verify", "--offline", exported, "--pubkey", pubkey()});
  EXPECT_EQ(plain.status, 0);
  EXPECT_NE(plain.err.find("no checkpoint: only the hash chain was checked"), std::string::npos);
  auto r = run({"audit", "verify", "--offline", exported, "--pubkey", pubkey(), "--checkpoint",
                kept.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("export broken at checkpoint " + kept.string() + ": ", 0), 0u) << r.out;
}

TEST_F(OfflineCliTest, WhatCannotBeCheckedExitsTwo) {
  const auto exported = export_of(journal_, {150});
  EXPECT_EQ(run({"audit", "verify", "--offline", exported}).status, 2);
  auto no_key =
      run({"audit", "verify", "--offline", exported, "--pubkey", (dir_ / "none.pem").string()});
  EXPECT_EQ(no_key.status, 2);
  EXPECT_NE(no_key.err.find("none.pem"), std::string::npos);
  auto not_a_key = run({"audit", "verify", "--offline", exported, "--pubkey",
                        (fs::path(exported) / "journal-head.json").string()});
  EXPECT_EQ(not_a_key.status, 2);
  EXPECT_NE(not_a_key.err.find("neither a PEM public key nor a verifier key"), std::string::npos)
      << not_a_key.err;
  auto no_export =
      run({"audit", "verify", "--offline", (dir_ / "missing").string(), "--pubkey", pubkey()});
  EXPECT_EQ(no_export.status, 2);
  EXPECT_NE(no_export.err.find("journal.ndjson"), std::string::npos) << no_export.err;
}

TEST(AuditCliHelp, HelpPrintsTheUsageAndExitsZero) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"audit", "--help"}, {"audit", "verify", "--help"}, {"audit", "verify", "-h"}}) {
    auto r = run(args);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("--offline DIR --pubkey KEY"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
  EXPECT_EQ(run({"audit"}).status, 2);
}

}  // namespace
}  // namespace hub::audit
