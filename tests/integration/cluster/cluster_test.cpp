// Three hub nodes on one PostgreSQL behind HAProxy, with the simulators (issue 17): a stream of
// registrations, prefills and partner events through HAProxy while one node, then another, is
// killed with SIGKILL and restarted, and simulated days pass. At the end: no acknowledged
// registration lost or duplicated, numbers unique, every event applied once, the journal one
// verified chain, DGI never over its quota, the daily job run once a day.
#include <signal.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "integration/cluster/cluster_support.hpp"

namespace ts = testing_support;
using ts::str;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A pusher of partner events through HAProxy (cnss-sim push), run to its end.
struct Pusher {
  std::string out;
  std::unique_ptr<ts::Process> process;
  Pusher(const ts::SimProcess& sim, const std::string& dir, const std::string& partner,
         unsigned short port, int count, double rate, std::uint64_t seed) {
    out = dir + "/" + partner + "-pushed.jsonl";
    process = std::make_unique<ts::Process>(std::vector<std::string>{
        ts::binary_dir() + "/bin/cnss-sim", "push", partner, "--to",
        "https://127.0.0.1:" + std::to_string(port), "--config", sim.config_file(), "--rate",
        std::to_string(rate), "--count", std::to_string(count), "--stream-seed",
        std::to_string(seed), "--out", out});
  }
  // The event ids the hub acknowledged (2xx), from the pusher's record.
  std::set<std::string> acknowledged() {
    std::set<std::string> ids;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
      rapidjson::Document d;
      d.Parse(line.c_str());
      if (!d.HasParseError() && d["status"].GetUint() / 100 == 2) ids.insert(d["id"].GetString());
    }
    return ids;
  }
};

class Cluster : public ts::ClusterTest {};

// Stops the client streams and joins them on any way out of a test, so that a restart that throws
// fails the test with its message instead of aborting it (a joinable std::thread's destructor
// calls std::terminate).
struct JoinedOnExit {
  std::atomic<bool>& stop;
  std::vector<std::thread>& threads;
  ~JoinedOnExit() {
    stop = true;
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

TEST_F(Cluster, KillsAndRestartsLoseNothingAndCoordinationHolds) {
  std::random_device rd;
  const unsigned base = 100000 + rd() % 600000;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, std::string> insured;    // cnie -> immatriculation, acknowledged
  std::map<std::string, std::string> employers;  // ice -> affiliation number, acknowledged
  std::atomic<int> retries{0}, prefills{0}, prefill_ok{0};
  std::set<std::string> prefill_ids;

  // Posts with the same Idempotency-Key until a node answers, other than "try again later": a
  // node killed mid-request (the connection closed without an answer) is retried, through
  // HAProxy, on another node.
  auto until_answered = [&](const std::string& target, const std::string& body,
                            const std::string& key) {
    ts::Reply r;
    const auto give_up = Clock::now() + 60s;
    for (;;) {
      r = call("POST", target, body, key);
      const auto code = str(r.body, "/error/code");
      const bool later =
          r.status == 0 || code == "store_unavailable" || code == "journal_unavailable";
      if (!later || Clock::now() > give_up) return r;
      ++retries;
      std::this_thread::sleep_for(200ms);
    }
  };
  auto registrations = [&](int lane) {
    for (unsigned i = 0; !stop; ++i) {
      const unsigned n = base + lane * 50000 + i;
      if (ts::reserved_by_simulators(n)) continue;
      const std::string cnie = "XC" + std::to_string(n);
      auto r = until_answered(
          "/v1/insured",
          R"({"cnie":")" + cnie + R"(","category":"SALARIE","rib":")" + ts::kTestRib + R"("})",
          "cluster-" + cnie);
      if (r.status == 201) {
        std::lock_guard lock(mutex);
        insured[cnie] = str(r.body, "/immatriculation");
      }
    }
  };
  auto employer_stream = [&] {
    std::mt19937_64 g(rd());
    while (!stop) {
      const std::string ice = ts::random_ice(g());
      auto r = until_answered("/v1/employers", R"({"ice":")" + ice + R"("})", "cluster-" + ice);
      if (r.status == 201) {
        std::lock_guard lock(mutex);
        employers[ice] = str(r.body, "/affiliation_number");
      }
    }
  };
  // Prefills of self-employed people (DGI is asked) drawn from 300 identifiers with a Zipf-like
  // skew (p ~ 1/rank): the same few asked often, each node with its own cache.
  auto prefill_stream = [&] {
    std::mt19937_64 g(rd());
    std::vector<double> weights;
    for (int k = 1; k <= 300; ++k) weights.push_back(1.0 / k);
    std::discrete_distribution<int> zipf(weights.begin(), weights.end());
    while (!stop) {
      const std::string cnie = ts::ordinary_cnie("ZP", 1000 + 997 * zipf(g));
      auto r = call("POST", "/v1/prefill/person",
                    R"({"cnie":")" + cnie + R"(","purpose":"CONTROLE","category":"TNS"})");
      ++prefills;
      if (r.status == 200) ++prefill_ok;
      std::lock_guard lock(mutex);
      prefill_ids.insert(cnie);
    }
  };

  const auto started = Clock::now();
  std::vector<std::thread> streams;
  JoinedOnExit joined_on_exit{stop, streams};
  for (int lane = 0; lane < 2; ++lane) streams.emplace_back(registrations, lane);
  streams.emplace_back(employer_stream);
  for (int k = 0; k < 3; ++k) streams.emplace_back(prefill_stream);
  Pusher dgct(*sim_, dir_, "dgct", lb_->port("partners"), 160, 8, rd());
  Pusher ompic(*sim_, dir_, "ompic", lb_->port("partners"), 80, 4, rd());

  auto at = [&](auto offset) { std::this_thread::sleep_until(started + offset); };
  at(3s);
  set_day(1);
  at(6s);
  nodes_[0]->process().stop(SIGKILL);  // mid-stream
  at(8s);
  start(0);
  set_day(2);
  at(14s);
  nodes_[1]->process().stop(SIGKILL);
  at(16s);
  start(1);
  set_day(3);
  at(24s);
  stop = true;
  for (auto& t : streams) t.join();
  const double stream_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_TRUE(dgct.process->wait_exit(120s)) << "the DGCT pusher did not finish";
  ASSERT_TRUE(ompic.process->wait_exit(120s)) << "the OMPIC pusher did not finish";

  // Whatever a killed node recorded and did not apply is applied by a sweep (every second here).
  for (int i = 0; i < 100; ++i) {
    if (sql("SELECT 1 FROM registry_records WHERE kind = 'partner_event' AND label = 'recorded'")
            .empty()) {
      break;
    }
    std::this_thread::sleep_for(200ms);
  }

  // No acknowledged registration lost or duplicated; numbers unique.
  ASSERT_GE(insured.size(), 20u) << "too few registrations to prove anything";
  std::set<std::string> numbers;
  for (const auto& [cnie, number] : insured) numbers.insert(number);
  EXPECT_EQ(numbers.size(), insured.size()) << "one immatriculation number given twice";
  std::map<std::string, std::string> stored;  // cnie -> stream
  for (const auto& row : sql("SELECT state::jsonb->>'cnie', stream FROM registry_records"
                             " WHERE kind = 'insured' AND state::jsonb->>'cnie' LIKE 'XC%'")) {
    const auto bar = row.find('|');
    EXPECT_TRUE(stored.emplace(row.substr(0, bar), row.substr(bar + 1)).second)
        << row << ": registered twice";
  }
  for (const auto& [cnie, number] : insured) {
    EXPECT_EQ(stored[cnie], "insured/" + number)
        << cnie << " acknowledged, then lost or renumbered";
  }
  EXPECT_EQ(stored.size(), insured.size()) << "a registration stored but never acknowledged";
  std::set<std::string> affiliations;
  for (const auto& [ice, number] : employers) affiliations.insert(number);
  EXPECT_EQ(affiliations.size(), employers.size()) << "one affiliation number given twice";
  EXPECT_TRUE(sql("SELECT state::jsonb->>'affiliation_number' FROM registry_records"
                  " WHERE kind = 'employer' GROUP BY 1 HAVING count(*) > 1")
                  .empty());

  // Every event acknowledged to its partner applied exactly once (or waiting for a fact), and its
  // changes made once.
  std::size_t events = 0;
  for (auto* p : {&dgct, &ompic}) {
    const std::string partner = p == &dgct ? "dgct" : "ompic";
    for (const auto& id : p->acknowledged()) {
      ++events;
      const std::string stream = "partner-event/" + partner + "/" + id;
      const auto outcomes = sql("SELECT count(*) FROM registry_events WHERE stream = '" + stream +
                                "' AND type IN ('partner_event.applied',"
                                " 'partner_event.not_applicable')");
      // Or kept, waiting for a fact (a marriage of people no family names yet: awaiting_facts,
      // in the review queue), and not applied at all.
      const bool waits =
          outcomes == std::vector<std::string>{"0"} &&
          sql("SELECT count(*) FROM registry_events WHERE stream = '" + stream +
              "' AND type = 'partner_event.awaiting_facts'") != std::vector<std::string>{"0"};
      EXPECT_TRUE(waits || outcomes == std::vector<std::string>{"1"})
          << stream << " applied other than once";
    }
  }
  EXPECT_GE(events, 200u) << "events were not acknowledged";
  EXPECT_TRUE(sql("SELECT stream, reason FROM registry_events WHERE source IN ('dgct', 'ompic')"
                  " AND stream NOT LIKE 'partner-event/%' GROUP BY 1, 2 HAVING count(*) > 1")
                  .empty())
      << "an event's change made twice to one record";

  // One journal, verified as one chain whichever node wrote each entry.
  auto verify = ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "audit", "verify", "--config",
                                 nodes_[2]->config_file()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  // DGI: never a 429, never more than its quota (50) in any one-second window.
  auto counters = ts::https_request(sim_->port("dgi"), ts::SimProcess::hub_client("dgi"), "GET",
                                    "/_sim/counters");
  ASSERT_TRUE(counters.response);
  const auto dgi = ts::reply_of(counters);
  EXPECT_FALSE(dgi.body.HasMember("quota")) << "DGI answered 429: " << dgi.raw;
  ASSERT_TRUE(dgi.body.HasMember("max_per_second")) << dgi.raw;
  const auto dgi_peak = dgi.body["max_per_second"].GetUint64();
  EXPECT_LE(dgi_peak, 50u) << dgi.raw;

  // The daily job: once for each simulated day, whichever nodes were alive.
  for (int i = 0; i < 100 && sql("SELECT 1 FROM registry_records WHERE kind = 'job_run'"
                                 " AND label = 'finished'")
                                     .size() < 4;
       ++i) {
    std::this_thread::sleep_for(200ms);
  }
  const auto runs =
      sql("SELECT r.stream, count(*) FILTER (WHERE e.type = 'job.finished'),"
          " count(*) FILTER (WHERE e.type = 'job.started') FROM registry_records r"
          " JOIN registry_events e ON e.stream = r.stream WHERE r.kind = 'job_run' GROUP BY 1"
          " ORDER BY 1");
  EXPECT_EQ(runs.size(), 4u) << "four simulated days";
  for (const auto& run : runs) {
    EXPECT_NE(run.find("|1|"), std::string::npos) << run << ": not finished exactly once";
  }

  // The per-node cache: calls DGSN got for the prefill identifiers, against the one call a
  // single node would make for each.
  std::uint64_t dgsn_calls = 0;
  for (const auto& id : prefill_ids) {
    auto c = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "GET",
                               "/_sim/counters?id=" + id);
    if (c.response) dgsn_calls += ts::reply_of(c).body["count"].GetUint64();
  }
  std::ostringstream figures;
  figures << "cluster figures: " << stream_seconds << " s; registrations " << insured.size()
          << ", employers " << employers.size() << ", prefills " << prefills << " (" << prefill_ok
          << " answered 200), events " << events << ", retries after a kill " << retries
          << "; DGI peak " << dgi_peak << "/s (quota 50, hub rate 45); prefill identifiers "
          << prefill_ids.size() << ", DGSN calls for them " << dgsn_calls << " ("
          << std::lround(100.0 * (static_cast<double>(dgsn_calls) / prefill_ids.size() - 1))
          << "% more than one node); journal: " << verify.output;
  std::cout << figures.str() << std::endl;
  RecordProperty("figures", figures.str());
}

}  // namespace
