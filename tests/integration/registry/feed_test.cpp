// The change feed through the real hub process over mutual TLS, on SQLite and on PostgreSQL
// (docs/feed.md): every change of a stream of concurrent registrations delivered in commit
// order with no gap, across a restart; a long poll answered when a change commits; a pruned
// cursor answered 410; each consumer served only the kinds and fields its agreement lists.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "support/hub_on_engine.hpp"
#include "support/hub_process.hpp"
#include "support/json_reply.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using ts::Reply;
using ts::str;
using namespace std::chrono_literals;

namespace {

class FeedTest : public ts::HubOnEngine {
 public:
  Reply as(const std::string& who, const std::string& method, const std::string& target,
           const std::string& body = "") {
    auto ex = ts::https_request(hub_->port("internal"), ts::client(who), method, target, body,
                                {{"Content-Type", "application/json"}});
    return ts::reply_of(ex);
  }
  Reply changes(const std::string& who, const std::string& after, const std::string& extra = "") {
    return as(who, "GET", "/v1/changes?after=" + after + extra);
  }
  // A new insured person's number ("" when none could be registered).
  std::string register_one(std::uint64_t random) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::string cnie = ts::ordinary_cnie("XF", random + 7919 * attempt);
      auto r =
          as("agency", "POST", "/v1/insured", R"({"cnie":")" + cnie + R"(","category":"SALARIE"})");
      if (r.status == 201) return str(r.body, "/immatriculation");
      if (r.status != 422) ADD_FAILURE() << r.raw;  // 422: deceased in the synthetic world
    }
    return "";
  }
  // The feed's head: what a consumer that wants only new changes starts from.
  std::string head() {
    auto r = changes("feed-prestations", "0", "&limit=1");
    EXPECT_EQ(r.status, 200u) << r.raw;
    return str(r.body, "/head");
  }
};

// What a reader has seen: every cursor once and in order, each record's versions in order.
struct Seen {
  std::int64_t cursor = 0;
  std::map<std::string, std::int64_t> versions;  // "insured/123" -> last version
  std::set<std::string> registered;              // insured numbers seen registered
  std::string problem;

  // Reads one page (waiting up to `wait` seconds for it); false when the answer was not 200.
  bool read(FeedTest& t,
            ts::Reply (FeedTest::*get)(const std::string&, const std::string&, const std::string&),
            int wait) {
    auto r = (t.*get)("feed-prestations", std::to_string(cursor),
                      "&limit=7&wait=" + std::to_string(wait) + "s");
    if (r.status != 200) return false;
    for (const auto& c : r.body["changes"].GetArray()) {
      const std::int64_t at = std::stoll(c["cursor"].GetString());
      const std::string record = std::string(c["kind"].GetString()) + "/" + c["id"].GetString();
      const std::int64_t version = c["version"].GetInt64();
      if (at != cursor + 1 && problem.empty()) {
        problem = "after cursor " + std::to_string(cursor) + " came " + std::to_string(at);
      }
      auto& last = versions[record];
      if (version != last + 1 && problem.empty()) {
        problem =
            record + ": version " + std::to_string(version) + " after " + std::to_string(last);
      }
      last = version;
      if (std::string(c["type"].GetString()) == "insured.registered") {
        registered.insert(c["id"].GetString());
      }
      cursor = at;
    }
    return true;
  }
};

TEST_P(FeedTest, DeliversEveryChangeInCommitOrderWithNoGapAcrossARestart) {
  std::random_device rd;
  std::mutex mutex;
  std::set<std::string> acknowledged;
  Seen seen;
  auto phase = [&](std::uint64_t base) {
    std::atomic<int> writing{4};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 6; ++i) {
          auto number = register_one(base + static_cast<std::uint64_t>(w * 100003 + i * 7));
          std::lock_guard lock(mutex);
          if (!number.empty()) acknowledged.insert(number);
        }
        --writing;
      });
    }
    // The reader follows the writers as they commit, with long polls.
    while (writing > 0 && seen.problem.empty()) seen.read(*this, &FeedTest::changes, 1);
    for (auto& t : writers) t.join();
    while (seen.problem.empty() && seen.read(*this, &FeedTest::changes, 0) &&
           seen.cursor < std::stoll(head())) {
    }
  };
  phase(rd());
  hub_.reset();  // the consumer keeps its cursor across the hub's restart
  start();
  phase(rd());
  EXPECT_EQ(seen.problem, "");
  EXPECT_EQ(std::to_string(seen.cursor), head());
  EXPECT_GE(acknowledged.size(), 40u);
  for (const auto& n : acknowledged)
    EXPECT_TRUE(seen.registered.count(n)) << n << " not in the feed";
}

TEST_P(FeedTest, ALongPollIsAnsweredWhenAChangeCommits) {
  const std::string from = head();
  // Nothing commits: the poll ends empty after its wait.
  const auto t0 = std::chrono::steady_clock::now();
  auto empty = changes("feed-prestations", from, "&wait=1s");
  ASSERT_EQ(empty.status, 200u) << empty.raw;
  EXPECT_EQ(empty.body["changes"].Size(), 0u);
  EXPECT_EQ(str(empty.body, "/next"), from);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);

  Reply polled;
  std::chrono::steady_clock::duration took{};
  std::thread poller([&] {
    const auto start = std::chrono::steady_clock::now();
    polled = changes("feed-prestations", from, "&wait=25s");
    took = std::chrono::steady_clock::now() - start;
  });
  std::this_thread::sleep_for(500ms);
  std::random_device rd;
  const std::string number = register_one(rd());
  poller.join();
  ASSERT_FALSE(number.empty());
  ASSERT_EQ(polled.status, 200u) << polled.raw;
  ASSERT_GE(polled.body["changes"].Size(), 1u);
  EXPECT_LT(took, 15s) << "the poll waited for its deadline, not for the commit";
  EXPECT_GE(took, 400ms) << "the poll did not wait";
}

// The keys of an object, sorted.
std::set<std::string> keys_of(const rapidjson::Value& v) {
  std::set<std::string> out;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) out.insert(m->name.GetString());
  return out;
}

// Each consumer reads under its own agreement (ts::feed_consumer_agreements()): feed-prestations
// every kind with the personal fields it lists; feed-statistics only insured and employer
// records, four fields of an insured person's, no personal one, and no person or family record,
// while its cursor moves over them.
TEST_P(FeedTest, EachConsumerSeesWhatItsAgreementLists) {
  const std::string from = head();
  std::random_device rd;
  const std::string number = register_one(rd());
  ASSERT_FALSE(number.empty());
  const std::string to = head();
  auto page = [&](const std::string& who) {
    auto r = changes(who, from, "&limit=1000");
    EXPECT_EQ(r.status, 200u) << r.raw;
    return r;
  };
  auto full = page("feed-prestations");
  auto stats = page("feed-statistics");
  // Both cursors move to the same place, whatever each was served.
  EXPECT_EQ(str(full.body, "/next"), to);
  EXPECT_EQ(str(stats.body, "/next"), to);
  std::set<std::string> full_kinds, stats_kinds;
  const rapidjson::Value* full_insured = nullptr;
  const rapidjson::Value* stats_insured = nullptr;
  std::string registered_at;  // the cursor of the registration
  for (const auto& c : full.body["changes"].GetArray()) {
    full_kinds.insert(c["kind"].GetString());
    if (c["id"].GetString() == number && std::string(c["kind"].GetString()) == "insured") {
      full_insured = &c["state"];
      registered_at = c["cursor"].GetString();
    }
  }
  for (const auto& c : stats.body["changes"].GetArray()) {
    stats_kinds.insert(c["kind"].GetString());
    // The change's id is the immatriculation, a personal field feed-statistics' agreement does
    // not list: it reads the change without knowing whose it is (docs/feed.md).
    EXPECT_FALSE(c.HasMember("id")) << "the immatriculation leaked: " << stats.raw;
    if (c["cursor"].GetString() == registered_at) stats_insured = &c["state"];
  }
  EXPECT_TRUE(full_kinds.contains("person")) << full.raw;
  EXPECT_EQ(stats_kinds, std::set<std::string>{"insured"}) << stats.raw;
  ASSERT_NE(full_insured, nullptr) << full.raw;
  ASSERT_NE(stats_insured, nullptr) << stats.raw;
  EXPECT_TRUE(full_insured->HasMember("cnie"));
  EXPECT_TRUE(full_insured->HasMember("immatriculation"));
  EXPECT_FALSE(full_insured->HasMember("provenance")) << "not a field of the canonical insured";
  const std::set<std::string> listed{"category", "status", "status_since", "registered_on"};
  for (const auto& k : keys_of(*stats_insured)) EXPECT_TRUE(listed.contains(k)) << k << " leaked";
  EXPECT_TRUE(stats_insured->HasMember("registered_on")) << stats.raw;
  EXPECT_EQ(str(*stats_insured, "/category"), "SALARIE");
  // The feed's role alone opens nothing: the agency (no role feed) is refused.
  EXPECT_EQ(changes("agency", from).status, 403u);
}

INSTANTIATE_TEST_SUITE_P(Engines, FeedTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// A feed that keeps one second of changes, pruned every second.
class PrunedFeedTest : public FeedTest {
 protected:
  void tune(ts::HubOptions& o) override {
    o.feed_yaml = "  retention_ms: 1000\n  prune_every_ms: 1000\n";
    o.feed_agreements_yaml = ts::feed_consumer_agreements(false);
  }
};

TEST_P(PrunedFeedTest, APrunedCursorIsAnswered410WithWhereTheFeedResumes) {
  std::random_device rd;
  ASSERT_FALSE(register_one(rd()).empty());
  Reply r;
  for (int i = 0; i < 40; ++i) {
    r = changes("feed-prestations", "0");
    if (r.status == 410) break;
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_EQ(r.status, 410u) << r.raw;
  EXPECT_EQ(str(r.body, "/error/code"), "cursor_pruned");
  const std::string resume = str(r.body, "/error/details/pruned_through");
  ASSERT_FALSE(resume.empty()) << r.raw;
  EXPECT_EQ(changes("feed-prestations", resume).status, 200u);
  // A consumer whose agreement has ended reads nothing, whatever its role.
  auto refused = changes("feed-statistics", resume);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(str(refused.body, "/error/code"), "no_agreement");
  // A cursor the feed never gave.
  auto ahead = changes("feed-prestations", "999999");
  EXPECT_EQ(ahead.status, 400u);
  EXPECT_EQ(str(ahead.body, "/error/code"), "cursor_unknown");
}

INSTANTIATE_TEST_SUITE_P(Engines, PrunedFeedTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
