// Checkpoints time-stamped by an RFC 3161 TSA (docs/audit.md, "Checkpoints in the hub"): a real
// hub (SQLite and PostgreSQL) with an audit: section naming a local TSA (the openssl CLI behind
// cnss-test-tsa, over loopback); the export carries each checkpoint's token, which
// `audit verify --offline --tsa-ca` checks. A TSA that fails leaves the checkpoint signed and
// stored without its token.
#include "integration/audit/evidence.hpp"
#include "support/tsa.hpp"

namespace {

using namespace evidence;

class CheckpointTimestamps : public JournalEvidence {
 protected:
  void SetUp() override {
    tsa_ = std::make_unique<ts::TsaProcess>(tsa_status());
    JournalEvidence::SetUp();
  }
  virtual int tsa_status() const { return 0; }
  void tune(ts::HubOptions& o) override {
    o.audit_yaml =
        ts::audit_yaml(1000, "  tsa: {url: " + tsa_->url() + ", ca: " + tsa_->ca_file() + "}\n");
  }

  std::optional<hub::store::StoredCheckpoint> latest() {
    auto s = hub::store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return std::nullopt;
    auto l = (*s)->latest_checkpoint();
    EXPECT_TRUE(l && *l);
    return l && *l ? std::optional(**l) : std::nullopt;
  }

  std::unique_ptr<ts::TsaProcess> tsa_;
};

TEST_P(CheckpointTimestamps, EachCheckpointCarriesATokenThatVerifiesOffline) {
  for (int i = 0; i < 2; ++i) ASSERT_EQ(prefill(), 200u);
  const auto n = head_seq();
  ASSERT_TRUE(checkpoint_of_at_least(n));
  auto stored = latest();
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->timestamp.empty()) << "the checkpoint was stored without its time-stamp";
  hub_->process().stop(SIGTERM);

  const std::string dir = ts::temp_dir("cnss-tsa-export");
  auto exported =
      cli({"audit", "verify", "--export", dir + "/export", "--config", hub_->config_file()});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const std::vector<std::string> offline = {"audit",         "verify",   "--offline",
                                            dir + "/export", "--pubkey", ts::journal_public_key()};
  auto unchecked = cli(offline);
  EXPECT_EQ(unchecked.exit_code, 0) << unchecked.output;
  EXPECT_NE(unchecked.output.find("time-stamps not checked"), std::string::npos)
      << unchecked.output;
  auto with_ca = offline;
  with_ca.insert(with_ca.end(), {"--tsa-ca", tsa_->ca_file()});
  auto checked = cli(with_ca);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("RFC 3161 time-stamps"), std::string::npos) << checked.output;
  // A token checked against another CA (the hub's own) does not verify.
  auto wrong = offline;
  wrong.insert(wrong.end(), {"--tsa-ca", ts::pki("ca/cnss.crt")});
  auto refused = cli(wrong);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  std::filesystem::remove_all(dir);
}

class FailingTsa : public CheckpointTimestamps {
 protected:
  int tsa_status() const override { return 503; }
};

TEST_P(FailingTsa, TheCheckpointIsStoredWithoutItsToken) {
  ASSERT_EQ(prefill(), 200u);
  ASSERT_TRUE(checkpoint_of_at_least(head_seq()));
  auto stored = latest();
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->timestamp.empty());
  bool logged = false;
  for (const auto& l : hub_->process().lines()) {
    logged = logged || l.find("stored without its RFC 3161 time-stamp") != std::string::npos;
  }
  EXPECT_TRUE(logged) << "the failed time-stamp is logged";
}

INSTANTIATE_TEST_SUITE_P(Engines, CheckpointTimestamps, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Engines, FailingTsa, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
