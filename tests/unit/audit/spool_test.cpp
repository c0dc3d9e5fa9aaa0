// The journal's local spool (spool.hpp, docs/audit.md "The local spool"): its file format read
// back as written, and the journal serving requests while the store fails or hangs, with every
// entry stored once, in order, when the store is back, also after a restart in between.
#include "hub/audit/spool.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "hub/audit/export_format.hpp"
#include "unit/audit/fake_journal_store.hpp"

namespace hub::audit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::FakeStore;
using testing::record;
using testing::wait_durable;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cnss-spool-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "audit-unwritten.jsonl").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static store::JournalEntry entry(const std::string& id) {
    store::JournalEntry e;
    e.time_ms = 1'780'000'000'000;
    e.correlation_id = id;
    e.partner = "dgsn";
    e.operation = "identity.get";
    e.identifier_masked = "ZX****54";
    e.outcome = "ok";
    return e;
  }
  void write(const std::string& text) {
    std::ofstream out(path_, std::ios::binary);
    out << text;
  }
  std::string line(const std::string& id) {
    return entry_to_json(entry(id), EntryFields::contents) + "\n";
  }
  std::vector<std::string> loaded_ids() {
    auto loaded = load_spool(path_);
    EXPECT_TRUE(loaded) << loaded.error().message;
    std::vector<std::string> ids;
    if (loaded) {
      for (const auto& e : *loaded) ids.push_back(e.correlation_id);
    }
    return ids;
  }
  JournalOptions spooling(std::chrono::milliseconds wait_limit = 2000ms) {
    JournalOptions o;
    o.batch_window = 1ms;
    o.wait_limit = wait_limit;
    o.spool_path = path_;
    o.spool = true;
    o.spool_after = 100ms;
    return o;
  }
  std::vector<std::string> stored_ids(FakeStore& store) {
    std::vector<std::string> ids;
    for (const auto& e : store.rows()) ids.push_back(e.correlation_id);
    return ids;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SpoolTest, ChunksAndMarkersReadBackAsTheEntriesNotYetWritten) {
  const auto a = entry("a"), b = entry("b"), c = entry("c"), d = entry("d");
  const std::string text =
      spool_chunk(1, {&a, &b}) + "{\"written\":1}\n" + spool_chunk(3, {&c, &d});
  write(text);
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"b", "c", "d"}));
  // The store takes entries in their order: a marker covers every entry up to it.
  write(text + "{\"written\":3}\n");
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"d"}));
  write(text + "{\"written\":4}\n");
  EXPECT_TRUE(loaded_ids().empty());
}

TEST_F(SpoolTest, AnEntrySpooledTwiceIsLoadedOnce) {
  const auto a = entry("a"), b = entry("b"), c = entry("c");
  // The shutdown spooling again what the spooler had in hand: the same tickets.
  write(spool_chunk(5, {&a, &b}) + spool_chunk(6, {&b, &c}));
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SpoolTest, AFileOfAnOlderHubWithoutTicketsLoadsWhole) {
  write(line("x") + line("y"));
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"x", "y"}));
}

TEST_F(SpoolTest, ALastLineCutShortIsIgnored) {
  const std::string cut = line("z");
  write(line("x") + cut.substr(0, cut.size() / 2));
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"x"}));
}

TEST_F(SpoolTest, AForeignLineFailsTheLoadWithItsLineNumber) {
  write(line("x") + "{\"written\":\"two\"}\n" + line("y"));
  auto loaded = load_spool(path_);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(path_ + ":2:"), std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(loaded.error().wire_code(), "journal_spool");
}

TEST_F(SpoolTest, NoFileIsNoEntry) {
  EXPECT_TRUE(loaded_ids().empty());
}

// The store failing: requests are served at once from the spool, which holds their entries
// owner-only and without the identifier in clear; the store back, everything is stored once, in
// order, and the spool goes.
TEST_F(SpoolTest, AFailingStoreIsSpooledAndServedThenWrittenOnceInOrder) {
  FakeStore store;
  store.fail = true;
  Journal journal(store, "key", spooling(1000ms));
  for (int i = 0; i < 5; ++i) journal.append(record(i));
  auto w = wait_durable(journal, store);  // appends record(1) once more: entry 6
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(*w.result) << w.result->error().message;
  EXPECT_LT(w.took, 1000ms) << "answered by the wait limit, not by the spool";
  EXPECT_EQ(w.stored_when_answered, 0u);
  EXPECT_EQ(journal.status().state, JournalState::spooling) << journal.status().error;
  EXPECT_FALSE(journal.refusal()) << "a spooling journal refuses requests";
  ASSERT_TRUE(fs::exists(path_));
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(path_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("BK123456"), std::string::npos) << "the identifier in clear";
  EXPECT_EQ(loaded_ids().size(), 6u);

  store.fail = false;
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(stored_ids(store), (std::vector<std::string>{"0", "1", "2", "3", "4", "1"}));
  EXPECT_EQ(journal.status().state, JournalState::ok);
  EXPECT_FALSE(fs::exists(path_)) << "every entry is stored: the spool should be gone";
}

// A write that hangs (a lock held from outside) is spooled after spool_after, long before the
// wait limit.
TEST_F(SpoolTest, AHangingWriteIsSpooledAfterSpoolAfter) {
  FakeStore store;
  store.hold(true);
  Journal journal(store, "key", spooling(5000ms));
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(*w.result) << w.result->error().message;
  EXPECT_GE(w.took, 100ms);
  EXPECT_LT(w.took, 2000ms);
  EXPECT_GE(w.ticks, 5) << "the I/O thread was blocked while the request waited";
  store.hold(false);
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_FALSE(fs::exists(path_));
}

// The hub stopped (or killed: the spool is synced before a request is answered) during the
// outage: the next start appends the spooled entries first, each once, before its own.
TEST_F(SpoolTest, SpooledEntriesSurviveARestartAndAreStoredOnce) {
  FakeStore store;
  store.fail = true;
  {
    Journal journal(store, "key", spooling());
    auto w = wait_durable(journal, store);
    ASSERT_TRUE(w.result && *w.result);
    for (int i = 2; i < 4; ++i) journal.append(record(i));
  }
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"1", "2", "3"}));
  store.fail = false;
  {
    Journal journal(store, "key", spooling());
    journal.append(record(9));
    ASSERT_TRUE(journal.flush());
  }
  EXPECT_EQ(stored_ids(store), (std::vector<std::string>{"1", "2", "3", "9"}));
  EXPECT_FALSE(fs::exists(path_));
  auto report = verify_journal(store);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
}

// Spool off: what issue 15 first had, refused once wait_limit passes.
TEST_F(SpoolTest, WithTheSpoolOffAFailingStoreRefuses) {
  FakeStore store;
  store.fail = true;
  auto o = spooling(300ms);
  o.spool = false;
  Journal journal(store, "key", o);
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  ASSERT_FALSE(*w.result);
  EXPECT_EQ(w.result->error().code, Errc::journal_unavailable);
  EXPECT_EQ(journal.status().state, JournalState::failing);
  EXPECT_FALSE(fs::exists(path_)) << "spooled while the spool is off";
}

// A spool that cannot be written (its folder gone) leaves the journal failing, and requests
// refused, as without a spool.
TEST_F(SpoolTest, ASpoolThatCannotBeWrittenRefusesAsWithout) {
  FakeStore store;
  store.fail = true;
  auto o = spooling(400ms);
  o.spool_path = (dir_ / "no-such-folder" / "spool.jsonl").string();
  Journal journal(store, "key", o);
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  ASSERT_FALSE(*w.result);
  EXPECT_EQ(w.result->error().code, Errc::journal_unavailable);
  const auto s = journal.status();
  EXPECT_EQ(s.state, JournalState::failing);
  EXPECT_NE(s.error.find("spool cannot be written"), std::string::npos) << s.error;
  store.fail = false;
  ASSERT_TRUE(journal.flush());
}

// A write that hangs, then succeeds while the spooler is appending the same entries: the file is
// left with entries the store holds. It must say so (a marker) or go, else the next start stores
// them a second time without any crash. The race is narrow; each round gives it a chance.
TEST_F(SpoolTest, AWriteThatSucceedsWhileTheSpoolerAppendsLeavesNothingToStoreAgain) {
  for (int round = 0; round < 30; ++round) {
    FakeStore store;
    store.hold(true);
    {
      auto o = spooling();
      o.spool_after = 10ms;
      Journal journal(store, "key", o);
      journal.append(record(round));
      // Released as soon as the spooler has created the file: it is syncing it meanwhile.
      while (!fs::exists(path_)) std::this_thread::sleep_for(50us);
      store.hold(false);
      ASSERT_TRUE(journal.flush());
      std::this_thread::sleep_for(30ms);  // the spooler's append synced meanwhile
      // The hub killed now: nothing to store again at the next start.
      ASSERT_TRUE(loaded_ids().empty()) << "round " << round << ": an entry stored would be "
                                        << "stored again after a kill";
    }
    ASSERT_EQ(store.size(), 1u);
    EXPECT_FALSE(fs::exists(path_)) << "round " << round << ": stopped with everything stored, "
                                    << "a spool is left behind";
    fs::remove(path_);
  }
}

// A full disk cutting a marker short: the next chunk must not continue its broken line, which
// would make the whole file unreadable (set aside, its entries not stored).
TEST_F(SpoolTest, AMarkerWrittenInPartIsCutOffAgain) {
  const auto a = entry("a"), b = entry("b");
  SpoolFile file(path_);
  ASSERT_TRUE(file.append(spool_chunk(1, {&a})));
  const auto size = fs::file_size(path_);
  // The disk full: a file may grow by 5 bytes only (the marker is longer).
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ::getrlimit(RLIMIT_FSIZE, &old_limit);
  rlimit limit = old_limit;
  limit.rlim_cur = size + 5;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  file.mark_written(1);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_TRUE(file.append(spool_chunk(2, {&b})));
  EXPECT_EQ(loaded_ids(), (std::vector<std::string>{"a", "b"}))
      << "the marker was lost with the disk full: 'a' is appended again, never lost";
}

// The store back, then failing again part way through the spooled entries, and the hub stopped
// then: two restarts later every entry is stored once, in order (no crash: no duplicate).
TEST_F(SpoolTest, AStoreFailingAgainMidDrainLosesNothingAcrossRestarts) {
  FakeStore store;
  store.fail = true;
  {
    auto o = spooling();
    o.max_batch = 2;
    Journal journal(store, "key", o);
    for (int i = 0; i < 6; ++i) journal.append(record(i));
    auto w = wait_durable(journal, store);  // record(1) again: entry 7, all seven spooled
    ASSERT_TRUE(w.result && *w.result);
    store.fail = false;
    while (store.size() < 2) std::this_thread::sleep_for(100us);
    store.fail = true;
  }
  const auto stored_before = store.size();
  EXPECT_GE(stored_before, 2u);
  EXPECT_EQ(loaded_ids().size(), 7 - stored_before);
  {
    // Restarted with the store still failing: the spooled entries are kept, this run's appended.
    Journal journal(store, "key", spooling());
    journal.append(record(8));
  }
  store.fail = false;
  {
    Journal journal(store, "key", spooling());
    ASSERT_TRUE(journal.flush());
  }
  EXPECT_EQ(stored_ids(store), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "1", "8"}));
  EXPECT_FALSE(fs::exists(path_));
  auto report = verify_journal(store);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
}

// A store that hangs from the start, in the writer's first check: spooled as a hanging write is.
TEST_F(SpoolTest, AStoreThatHangsFromTheStartIsSpooledToo) {
  FakeStore store;
  store.hold(true);
  Journal journal(store, "key", spooling(5000ms));
  auto w = wait_durable(journal, store);
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(*w.result) << w.result->error().message;
  EXPECT_LT(w.took, 2000ms) << "answered by the wait limit, not by the spool";
  EXPECT_EQ(journal.status().state, JournalState::spooling) << journal.status().error;
  store.hold(false);
  ASSERT_TRUE(journal.flush());
  EXPECT_EQ(store.size(), 1u);
}

// A spool left by the last run that cannot be rewritten at start (renumbered as this run's) is
// set aside: its entries are stored once by this run, and nothing is stored again after.
TEST_F(SpoolTest, ASpoolThatCannotBeRewrittenAtStartIsSetAside) {
  FakeStore store;
  const auto a = entry("a"), b = entry("b");
  write(spool_chunk(7, {&a, &b}));
  fs::create_directories(path_ + ".tmp");  // the rewrite's temporary file cannot be made
  {
    Journal journal(store, "key", spooling());
    ASSERT_TRUE(journal.flush());
  }
  EXPECT_EQ(stored_ids(store), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(fs::exists(path_)) << "left to be stored again at the next start";
  int aside = 0;
  for (const auto& f : fs::directory_iterator(dir_)) {
    aside += f.path().filename().string().find(".unrewritable-") != std::string::npos;
  }
  EXPECT_EQ(aside, 1);
  {
    Journal journal(store, "key", spooling());
    ASSERT_TRUE(journal.flush());
  }
  EXPECT_EQ(store.size(), 2u) << "stored again";
}

}  // namespace
}  // namespace hub::audit
