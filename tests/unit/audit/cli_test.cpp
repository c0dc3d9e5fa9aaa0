// `cnss-hub audit verify --config FILE` on both engines: verified, broken (naming the entry),
// and the cases where the journal cannot be checked.
#include <gtest/gtest.h>

#include <fstream>

#include "hub/audit/journal.hpp"
#include "unit/audit/cli_run.hpp"
#include "unit/store/engines.hpp"

namespace hub::audit {
namespace {

using hub::testing::CliRun;

CliRun run(std::vector<std::string> args) {
  return hub::testing::run_audit_cli(std::move(args));
}

class AuditCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    conf_dir_ = std::filesystem::temp_directory_path() / ("cnss-cli-" + testing::random_suffix());
    std::filesystem::create_directories(conf_dir_);
    config_ = (conf_dir_ / "hub.yaml").string();
    std::ofstream(config_) << config_text();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(conf_dir_, ec);
  }

  // A whole hub configuration; its certificate files need not exist for `audit verify`.
  std::string config_text() const {
    std::string store = GetParam() == "sqlite"
                            ? "  engine: sqlite\n  path: " + db_->sqlite_path() + "\n"
                            : "  engine: postgresql\n  url: \"" + db_->pg_url() + "\"\n";
    return "hub:\n  data_dir: " + (conf_dir_ / "data").string() +
           "\nlisteners:\n  - name: internal\n    port: 8443\n    interfaces: [ops]\n"
           "    tls:\n      certificate: hub.crt\n      key: hub.key\n      client_ca: [ca.crt]\n"
           "store:\n" +
           store +
           "principals:\n  - name: ops\n    subject: CN=ops,O=CNSS,C=MA\n    roles: [ops]\n";
  }

  void append(int n) {
    auto s = store::open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    Journal journal(**s, std::string(32, 'k'));
    for (int i = 0; i < n; ++i) {
      ExchangeRecord r;
      r.partner = "dgsn";
      r.identifier = "BK123456";
      r.outcome = "ok";
      journal.append(r);
    }
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::filesystem::path conf_dir_;
  std::string config_;
};

TEST_P(AuditCliTest, VerifiedJournalExitsZero) {
  append(5);
  auto r = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "journal verified: 5 entries\n");
}

TEST_P(AuditCliTest, BrokenJournalNamesTheEntryAndExitsOne) {
  append(5);
  ASSERT_TRUE(db_->tamper("UPDATE audit_journal SET outcome = 'ok!' WHERE seq = 3"))
      << db_->last_error();
  auto r = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out.rfind("journal broken at entry 3: ", 0), 0u) << r.out;
}

// A row past the head is tampering, named, whether chained correctly (the insert trigger lets
// it through) or not (the trigger dropped, as a database owner can).
TEST_P(AuditCliTest, RowPastTheHeadIsNamedAsTampering) {
  append(3);
  std::string last;
  auto s = store::open(db_->options());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->scan_journal(3, [&](const store::JournalEntry& e) {
    last = e.entry_hash;
    return false;
  }));
  ASSERT_TRUE(
      db_->exec("INSERT INTO audit_journal VALUES (4, 0, '', '', '', '', '', '', '', '', "
                "0, '', '" +
                last + "', 'forged', 0)"))
      << db_->last_error();
  auto chained = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(chained.status, 1) << chained.err;
  EXPECT_EQ(chained.out,
            "journal broken at entry 4: it is stored past the chain head (entry 3): the hub's "
            "journal writer did not write it\n");
}

TEST_P(AuditCliTest, UnchainedRowPastTheHeadIsNamed) {
  append(3);
  ASSERT_TRUE(
      db_->tamper("INSERT INTO audit_journal VALUES (7, 0, '', '', '', '', '', '', '', "
                  "'', 0, '', 'x', 'y', 0)"))
      << db_->last_error();
  auto r = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out.rfind("journal broken at entry 7: it is stored past the chain head", 0), 0u)
      << r.out;
}

TEST_P(AuditCliTest, UsageAndConfigurationErrorsExitTwo) {
  EXPECT_EQ(run({"audit"}).status, 2);
  EXPECT_EQ(run({"audit", "verify"}).status, 2);
  EXPECT_EQ(run({"audit", "frobnicate", "--config", config_}).status, 2);
  auto missing = run({"audit", "verify", "--config", (conf_dir_ / "none.yaml").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_FALSE(missing.err.empty());
}

TEST(AuditCli, MissingSqliteDatabaseIsNotVerifiedAsEmpty) {
  testing::TestDatabase db("sqlite");
  const auto config = (db.dir() / "hub.yaml").string();
  std::ofstream(config) << "hub:\n  data_dir: " << db.dir().string()
                        << "\nlisteners:\n  - name: i\n    port: 8443\n    interfaces: [ops]\n"
                           "    tls:\n      certificate: a\n      key: b\n      client_ca: [c]\n"
                           "store:\n  engine: sqlite\n  path: "
                        << db.sqlite_path()
                        << "\nprincipals:\n  - name: o\n    subject: CN=o\n    roles: [ops]\n";
  auto r = run({"audit", "verify", "--config", config});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db.sqlite_path()));
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditCliTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::audit
