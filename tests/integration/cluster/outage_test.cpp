// PostgreSQL unreachable for ten seconds under three nodes behind HAProxy (issue 17): requests
// that need the store get 503 with Retry-After and a stable code; prefills the cache can answer
// are answered, their journal entries kept in each node's local spool and stored once PostgreSQL
// is back (docs/audit.md, "The local spool"); /readyz says why; every node recovers by itself,
// and /readyz says why it was not ready.
#include <random>
#include <sstream>
#include <thread>

#include "hub/core/ids.hpp"
#include "integration/cluster/cluster_support.hpp"

namespace ts = testing_support;
using ts::str;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

class Outage : public ts::ClusterTest {
 protected:
  ts::Reply readyz(int node) {
    return ts::reply_of(ts::https_request(internal_[node], ts::client("admin"), "GET", "/readyz"));
  }
  void cut(bool down) {
    lb_->command(std::string("set server pg/n1 state ") + (down ? "maint" : "ready"));
    if (down) lb_->command("shutdown sessions server pg/n1");
  }
};

TEST_F(Outage, TenSecondsWithoutPostgresqlThenEveryNodeRecoversByItself) {
  std::random_device rd;
  const std::string person = ts::ordinary_cnie("XO", rd());
  const std::string prefill = R"({"cnie":")" + person + R"(","purpose":"CONTROLE"})";
  ASSERT_EQ(call("POST", "/v1/prefill/person", prefill).status, 200u) << "warm the cache";
  // A person the synthetic world has alive (about one in fifty has a death date, and a
  // registration of them is refused 422 deceased): asked of the partners first.
  auto living = [&](const std::string& prefix) {
    std::string cnie;
    for (int i = 0; i < 20; ++i) {
      cnie = ts::ordinary_cnie(prefix, rd());
      auto r =
          call("POST", "/v1/prefill/person", R"({"cnie":")" + cnie + R"(","purpose":"CONTROLE"})");
      if (r.status == 200 && r.raw.find("\"death_date\"") == std::string::npos) break;
    }
    return cnie;
  };
  auto first =
      call("POST", "/v1/insured", R"({"cnie":")" + living("XP") + R"(","category":"SALARIE"})");
  ASSERT_EQ(first.status, 201u) << first.raw;
  const std::string number = str(first.body, "/immatriculation");

  const std::string again = R"({"cnie":")" + living("XQ") + R"(","category":"SALARIE"})";
  cut(true);
  const auto down_at = Clock::now();
  // Reads and writes of the store: 503 store_unavailable with Retry-After, from every node.
  ts::Reply read;
  for (int i = 0; i < 50; ++i) {
    read = call("GET", "/v1/insured/" + number);
    if (read.status == 503) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(read.status, 503u) << read.raw;
  EXPECT_EQ(str(read.body, "/error/code"), "store_unavailable") << read.raw;
  auto write = call("POST", "/v1/insured", again, "outage-write");
  EXPECT_EQ(write.status, 503u) << write.raw;
  const auto code = str(write.body, "/error/code");
  EXPECT_TRUE(code == "store_unavailable" || code == "journal_unavailable") << write.raw;
  // A prefill the cache can answer is answered: its journal entry is durable in the node's spool.
  const std::string spooled_id = hub::new_uuid();
  auto cached = ts::reply_of(
      ts::https_request(lb_->port("internal"),
                        [] {
                          auto s = ts::client("agency");
                          s.timeout = 20s;
                          return s;
                        }(),
                        "POST", "/v1/prefill/person", prefill,
                        {{"Content-Type", "application/json"}, {"X-Correlation-ID", spooled_id}}));
  EXPECT_EQ(cached.status, 200u) << cached.raw;
  int spooling = 0;
  for (int node = 0; node < kNodes; ++node) {
    auto r = readyz(node);
    EXPECT_EQ(r.status, 503u) << r.raw;
    EXPECT_EQ(str(r.body, "/checks/store/status"), "unreachable") << r.raw;
    spooling += str(r.body, "/checks/journal/status") == "spooling";
  }
  EXPECT_GE(spooling, 1) << "no node says its journal is spooling";
  // Retry-After on each refusal: checked on the raw exchange.
  auto raw = ts::https_request(lb_->port("internal"), ts::client("agency"), "GET",
                               "/v1/insured/" + number);
  ASSERT_TRUE(raw.response);
  EXPECT_EQ((*raw.response)["Retry-After"], "2");

  std::this_thread::sleep_until(down_at + 10s);
  cut(false);
  const auto up_at = Clock::now();
  ts::Reply registered;
  while (Clock::now() < up_at + 20s) {
    registered = call("POST", "/v1/insured", again, "outage-write");
    if (registered.status == 201) break;
    std::this_thread::sleep_for(100ms);
  }
  const auto write_back = Clock::now() - up_at;
  EXPECT_EQ(registered.status, 201u) << registered.raw;
  auto ready_back = 0ms;
  for (int node = 0; node < kNodes; ++node) {
    ts::Reply r;
    while (Clock::now() < up_at + 20s) {
      r = readyz(node);
      if (r.status == 200) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(r.status, 200u) << r.raw;
    ready_back = std::max(
        ready_back, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - up_at));
    EXPECT_NE(str(r.body, "/last_not_ready/to"), "") << r.raw;
    EXPECT_NE(str(r.body, "/last_not_ready/reason").find("store"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(call("POST", "/v1/prefill/person", prefill).status, 200u);
  // The entry spooled during the outage is in the store once it is back, once.
  std::vector<std::string> stored;
  while (Clock::now() < up_at + 20s) {
    // One entry a partner step (DGSN, DGCT), each stored once.
    stored =
        sql("SELECT count(DISTINCT partner || ' ' || operation), count(*) FROM audit_journal "
            "WHERE correlation_id = '" +
            spooled_id + "'");
    if (!stored.empty() && stored[0] != "0|0") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(stored.size(), 1u);
  const auto bar = stored[0].find('|');
  EXPECT_NE(stored[0], "0|0") << "the spooled entries were not stored";
  EXPECT_EQ(stored[0].substr(0, bar), stored[0].substr(bar + 1)) << "an entry stored twice";
  auto verify = ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "audit", "verify", "--config",
                                 nodes_[0]->config_file()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  std::ostringstream figures;
  figures << "outage figures: PostgreSQL unreachable 10 s; first registration "
          << std::chrono::duration_cast<std::chrono::milliseconds>(write_back).count()
          << " ms after it came back; every node ready again after " << ready_back.count() << " ms";
  std::cout << figures.str() << std::endl;
  RecordProperty("figures", figures.str());
}

}  // namespace
