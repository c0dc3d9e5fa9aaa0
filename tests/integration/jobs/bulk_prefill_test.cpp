// Bulk prefill jobs end to end, on both engines: the hub and the simulators as real processes
// over mutual TLS. A job of 10,000 distinct CNIEs survives a SIGKILL of the hub mid-job: the
// restarted hub resumes it from what the store holds, the results hold every line exactly once
// with its own CNIE, and DGSN (whose simulator counts the requests it serves) is asked for at
// most one batch of identifiers twice (docs/jobs.md "Resuming").
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "hub/http/content_coding.hpp"
#include "hub/store/store.hpp"
#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

constexpr int kPeople = 10'000;
constexpr int kBatch = 100;

class BulkPrefill : public ts::HubOnEngine {
 protected:
  void tune(ts::HubOptions& o) override {
    o.extra_yaml = "jobs:\n  concurrency: 16\n  batch: " + std::to_string(kBatch) +
                   "\n  lease_ttl_ms: 2000\n  poll_ms: 200\n";
  }

  ts::Exchange call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& who = "agency",
                    const std::string& coding = "") {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "text/csv"},
                                                             {"X-Purpose", "IMMATRICULATION"}};
    if (!coding.empty()) headers.emplace_back("Content-Encoding", coding);
    return ts::https_request(hub_->port("internal"), ts::client(who), method, target, body,
                             headers);
  }

  // POST /v1/jobs/prefill: the job created (202), or no object.
  rapidjson::Document submit(const std::string& file) { return submit_coded(file, ""); }

  // The same with a coded body (Content-Encoding).
  rapidjson::Document submit_coded(const std::string& body, const std::string& coding) {
    rapidjson::Document d;
    auto posted = call("POST", "/v1/jobs/prefill", body, "agency", coding);
    EXPECT_TRUE(posted.response) << posted.error;
    if (!posted.response) return d;
    EXPECT_EQ(posted.response->result_int(), 202) << posted.response->body();
    if (posted.response->result_int() == 202) d.Parse(posted.response->body().c_str());
    return d;
  }

  rapidjson::Document job(const std::string& id) {
    rapidjson::Document d;
    auto ex = call("GET", "/v1/jobs/" + id);
    if (ex.response && ex.response->result_int() == 200) d.Parse(ex.response->body().c_str());
    return d;
  }

  // Waits until the job has done at least `done` items (or is in `state`); its last view.
  rapidjson::Document wait_for(const std::string& id, std::int64_t done, const char* state,
                               std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    rapidjson::Document d;
    while (std::chrono::steady_clock::now() < until) {
      d = job(id);
      if (d.IsObject() &&
          (d["done"].GetInt64() >= done || d["state"].GetString() == std::string(state))) {
        return d;
      }
      std::this_thread::sleep_for(100ms);
    }
    return d;
  }

  std::uint64_t dgsn_requests() {
    auto ex = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "GET",
                                "/_sim/counters");
    if (!ex.response) return 0;
    rapidjson::Document d;
    d.Parse(ex.response->body().c_str());
    return d.IsObject() && d.HasMember("total") ? d["total"].GetUint64() : 0;
  }

  // Every result line, in one streamed answer (no limit asked).
  std::vector<std::string> results(const std::string& id) {
    auto ex = call("GET", "/v1/jobs/" + id + "/results");
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return {};
    EXPECT_EQ(ex.response->result_int(), 200);
    EXPECT_TRUE(ex.response->chunked()) << "streamed: Transfer-Encoding: chunked";
    return lines_of(ex.response->body());
  }

  static std::vector<std::string> lines_of(const std::string& body) {
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < body.size();) {
      const auto end = body.find('\n', at);
      lines.push_back(body.substr(at, end - at));
      at = end + 1;
    }
    return lines;
  }

  // Every result line, following the pages' Link headers.
  std::vector<std::string> paged_results(const std::string& id) {
    std::vector<std::string> lines;
    std::string target = "/v1/jobs/" + id + "/results?limit=2000";
    for (int page = 0; page < 100 && !target.empty(); ++page) {
      auto ex = call("GET", target);
      if (!ex.response || ex.response->result_int() != 200) break;
      for (auto& line : lines_of(ex.response->body())) lines.push_back(std::move(line));
      target.clear();
      if (ex.response->count("Link")) {
        const std::string link(ex.response->at("Link"));
        target = link.substr(1, link.find('>') - 1);
      }
    }
    return lines;
  }
};

TEST_P(BulkPrefill, AJobSurvivesAKillAndAnswersEveryLineOnce) {
  std::vector<std::string> cnies;
  std::string file = "cnie\n";
  for (std::uint64_t n = 100'001; static_cast<int>(cnies.size()) < kPeople; ++n) {
    if (ts::reserved_by_simulators(n)) continue;
    cnies.push_back("JB" + std::to_string(n));
    file += cnies.back() + "\n";
  }
  file += "not a cnie\n";  // a bad line is an item error, never the whole file refused
  ASSERT_TRUE(ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "DELETE",
                                "/_sim/counters")
                  .response);
  auto created = submit(file);
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  EXPECT_EQ(created["total"].GetInt64(), kPeople + 1);
  EXPECT_EQ(created["errors"]["invalid_cnie"].GetInt64(), 1);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id, "", "admin").response->result_int(), 404)
      << "another principal does not see the job";

  auto before = wait_for(id, kPeople / 4, "done", 120s);
  ASSERT_TRUE(before.IsObject());
  ASSERT_LT(before["done"].GetInt64(), kPeople)
      << "the job ended before the kill: no resume tested";
  hub_->process().stop(SIGKILL);
  hub_.reset();
  start();

  // The state, not the count: the last batch is counted just before the job is marked done.
  auto after = wait_for(id, INT64_MAX, "done", 300s);
  ASSERT_TRUE(after.IsObject());
  EXPECT_STREQ(after["state"].GetString(), "done");
  EXPECT_EQ(after["done"].GetInt64(), kPeople + 1);

  const auto lines = results(id);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kPeople + 1));
  for (int i = 0; i < kPeople; ++i) {
    rapidjson::Document d;
    d.Parse(lines[static_cast<std::size_t>(i)].c_str());
    ASSERT_TRUE(d.IsObject()) << lines[static_cast<std::size_t>(i)];
    ASSERT_EQ(d["line"].GetInt64(), i + 2) << "in line order, each line once";
    ASSERT_EQ(d["cnie"].GetString(), cnies[static_cast<std::size_t>(i)]);
    ASSERT_EQ(d["status"].GetInt(), 200) << lines[static_cast<std::size_t>(i)];
    ASSERT_TRUE(d["record"]["person"].IsObject()) << lines[static_cast<std::size_t>(i)];
  }
  EXPECT_NE(lines.back().find("\"error\":\"invalid_cnie\""), std::string::npos) << lines.back();
  EXPECT_EQ(paged_results(id), lines) << "the pages (?limit=) hold what the stream holds";

  // Each CNIE asked of DGSN once, but for those in flight at the kill: one batch at most.
  const auto asked = dgsn_requests();
  EXPECT_GE(asked, static_cast<std::uint64_t>(kPeople));
  EXPECT_LE(asked, static_cast<std::uint64_t>(kPeople + kBatch))
      << "items whose result was stored were asked again";
}

TEST_P(BulkPrefill, ACancelledJobStopsAndAFileWithoutIdentifiersIsRefused) {
  auto empty = call("POST", "/v1/jobs/prefill", "cnie\n\n");
  ASSERT_TRUE(empty.response);
  EXPECT_EQ(empty.response->result_int(), 400);
  EXPECT_NE(empty.response->body().find("empty_file"), std::string::npos);
  auto no_purpose = ts::https_request(hub_->port("internal"), ts::client("agency"), "POST",
                                      "/v1/jobs/prefill", "JB100001\n");
  ASSERT_TRUE(no_purpose.response);
  EXPECT_EQ(no_purpose.response->result_int(), 403) << no_purpose.response->body();

  std::string file;
  for (int n = 200'001; n < 203'001; ++n) file += "JB" + std::to_string(n) + "\n";
  auto created = submit(file);
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + id, "", "admin").response->result_int(), 404);
  auto cancelled = call("DELETE", "/v1/jobs/" + id);
  ASSERT_TRUE(cancelled.response);
  EXPECT_EQ(cancelled.response->result_int(), 200) << cancelled.response->body();
  std::this_thread::sleep_for(1s);
  const auto stopped_at = job(id)["done"].GetInt64();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(job(id)["done"].GetInt64(), stopped_at) << "a cancelled job asks nothing more";
  EXPECT_STREQ(job(id)["state"].GetString(), "cancelled");
  EXPECT_LT(stopped_at, 3000);
}

// Each person a job fetched finds it in their disclosures: who (the job's owner), when, why (its
// purpose) and the job, recorded with the job's results (docs/jobs.md "Disclosures").
TEST_P(BulkPrefill, EachPersonAJobFetchedFindsItInTheirDisclosures) {
  std::string cnie, number;
  for (std::uint64_t attempt = 0; attempt < 10 && number.empty(); ++attempt) {
    cnie = ts::ordinary_cnie("XJ", 7'000 + attempt * 7'919);
    auto r = ts::reply_of(ts::https_request(hub_->port("internal"), ts::client("agency"), "POST",
                                            "/v1/insured",
                                            R"({"cnie":")" + cnie + R"(","category":"SALARIE"})",
                                            {{"Content-Type", "application/json"}}));
    if (r.status == 201) number = r.body["immatriculation"].GetString();
  }
  ASSERT_FALSE(number.empty());
  auto created = submit("cnie\nJB700001\n" + cnie + "\n");
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  auto done = wait_for(id, 2, "done", 60s);
  ASSERT_STREQ(done["state"].GetString(), "done");

  auto d = ts::reply_of(call("GET", "/v1/insured/" + number + "/disclosures"));
  ASSERT_EQ(d.status, 200u) << d.raw;
  const auto& rows = d.body["disclosures"];
  ASSERT_EQ(rows.Size(), 1u) << "one row for the job, not two: " << d.raw;
  EXPECT_STREQ(rows[0]["job"].GetString(), id.c_str());
  EXPECT_STREQ(rows[0]["recipient"].GetString(), "agency-casa-anfa");
  EXPECT_STREQ(rows[0]["purpose"].GetString(), "IMMATRICULATION");
  EXPECT_STREQ(rows[0]["resource"].GetString(), "prefill_job");
  EXPECT_STREQ(rows[0]["outcome"].GetString(), "served");
  EXPECT_GT(rows[0]["fields"].Size(), 0u) << d.raw;
  EXPECT_FALSE(std::string(rows[0]["time"].GetString()).empty());
}

// The command line: cnss-hub jobs prefill submits the file over mutual TLS, follows the job
// (plain progress lines when standard error is no terminal) and writes every result line.
TEST_P(BulkPrefill, TheCommandLineSubmitsFollowsAndWritesTheResults) {
  const std::string dir = ts::temp_dir("cnss-jobs-cli");
  {
    std::ofstream f(dir + "/people.csv");
    f << "cnie\n";
    for (int n = 500'001; n < 500'201; ++n) f << "JC" << n << "\n";
  }
  const auto agency = ts::client("agency");
  auto r =
      ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "jobs", "prefill", dir + "/people.csv",
                       "--url", "https://localhost:" + std::to_string(hub_->port("internal")),
                       "--cert", agency.certificate, "--key", agency.key, "--ca", agency.ca,
                       "--purpose", "IMMATRICULATION", "--out", dir + "/results.ndjson"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("progress: 200/200 (100 %)"), std::string::npos) << r.output;
  std::ifstream in(dir + "/results.ndjson");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 200u);
  EXPECT_EQ(lines.front().rfind(R"({"line":2,"cnie":"JC500001","status":200,)", 0), 0u)
      << lines.front();
  EXPECT_EQ(lines.back().rfind(R"({"line":201,"cnie":"JC500200","status":200,)", 0), 0u)
      << lines.back();
}

// Fair share: DGSN, DGCT and DGI allow 20 calls a second (bursts of 4, one token of which bulk
// calls leave to the agents: jobs.reserve 0.25), a prefill must be answered within 1 s, and a job
// of 2,000 CNIEs runs 32 at a time, as fast as the partners allow. An agent's prefills, made
// while it runs, have the partners' tokens first: each is answered in full, and the longest any
// of its partner calls took (the wait for a token included) stays far under the deadline.
// (Without the classes of calls, the job's 32 calls in flight queue at the partners' token
// buckets for 1.6 s, longer than the deadline, and the agent's prefills are refused for the local
// quota.)
class FairShare : public BulkPrefill {
 protected:
  void tune(ts::HubOptions& o) override { with_rate_limit(o, 20, "batch: 64\n  reserve: 0.25"); }

  // Every simulated partner allowing `per_second` calls a second (bursts of 4), a prefill's
  // deadline 1 s, jobs 32 at a time with `jobs` (YAML under jobs:).
  void with_rate_limit(ts::HubOptions& o, int per_second, const std::string& jobs) {
    o.partners_yaml = ts::partners_for_sim(
        sim_->ports(),
        "    rate_limit: {per_second: " + std::to_string(per_second) + ", burst: 4}\n", 3000);
    o.exchange_yaml = ts::default_exchange_yaml(1000);
    o.extra_yaml = "jobs:\n  concurrency: 32\n  poll_ms: 100\n  " + jobs + "\n";
  }

  // The slowest partner call of a prefill's answer, in ms (its partners' latency_ms).
  static double slowest_partner_ms(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    double worst = 0;
    if (!d.IsObject() || !d.HasMember("partners")) return worst;
    for (const auto& p : d["partners"].GetObject()) {
      if (p.value.HasMember("latency_ms"))
        worst = std::max(worst, p.value["latency_ms"].GetDouble());
    }
    return worst;
  }
};

TEST_P(FairShare, AnAgentNeverQueuesBehindAJob) {
  std::string file;
  for (int n = 300'001; n < 302'001; ++n) {
    if (!ts::reserved_by_simulators(static_cast<std::uint64_t>(n)))
      file += "JF" + std::to_string(n) + "\n";
  }
  auto created = submit(file);
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  wait_for(id, 50, "done", 60s);  // the job is under way

  std::map<unsigned, int> statuses;
  double worst = 0;
  for (int i = 0; i < 20; ++i) {
    auto ex = ts::https_request(
        hub_->port("internal"), ts::client("agency"), "POST", "/v1/prefill/person",
        R"({"cnie":"JA)" + std::to_string(400'001 + i) + R"(","purpose":"IMMATRICULATION"})",
        {{"Content-Type", "application/json"}});
    ASSERT_TRUE(ex.response) << ex.error;
    ++statuses[ex.response->result_int()];
    EXPECT_EQ(ex.response->body().find("local_quota"), std::string::npos) << ex.response->body();
    worst = std::max(worst, slowest_partner_ms(ex.response->body()));
    std::this_thread::sleep_for(200ms);  // an agent's pace: 5 a second
  }
  EXPECT_EQ(statuses[200], 20) << "every interactive prefill answered in full";
  // One token's time is 50 ms; a loaded machine adds some. Behind the job: over a second.
  EXPECT_LT(worst, 400.0) << "an agent's partner call waited behind the job's";
  // The job yields, it is not stopped: it records its next batches.
  auto running = wait_for(id, 51, "done", 60s);
  ASSERT_TRUE(running.IsObject());
  EXPECT_GT(running["done"].GetInt64(), 50) << "the job went on";
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + id).response->result_int(), 200);
}

// A job alone uses the partners' whole rate (100 calls a second), where the fixed share it had
// before (jobs.partner_share, half the rate) held it to 50 items a second.
class FairShareAlone : public FairShare {
 protected:
  void tune(ts::HubOptions& o) override { with_rate_limit(o, 100, "batch: 100"); }
};

TEST_P(FairShareAlone, AJobAloneGoesFasterThanTheOldFixedShare) {
  std::string file;
  int people = 0;
  for (int n = 600'001; people < 1'000; ++n) {
    if (ts::reserved_by_simulators(static_cast<std::uint64_t>(n))) continue;
    file += "JG" + std::to_string(n) + "\n";
    ++people;
  }
  auto created = submit(file);
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  auto started = wait_for(id, 100, "done", 60s);
  ASSERT_TRUE(started.IsObject());
  const auto from = std::chrono::steady_clock::now();
  const auto done_at_start = started["done"].GetInt64();
  auto done = wait_for(id, people, "done", 120s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  // The count reaches the total just before the state says done.
  done = wait_for(id, std::numeric_limits<std::int64_t>::max(), "done", 10s);
  ASSERT_STREQ(done["state"].GetString(), "done");
  const double rate = static_cast<double>(people - done_at_start) / seconds;
  EXPECT_GT(rate, 65.0) << "the job is held to a fixed share of the partners' rate (50/s)";
  EXPECT_LT(rate, 110.0) << "the job went over the partners' rate";
}

INSTANTIATE_TEST_SUITE_P(Engines, FairShareAlone, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

// Uploads read in pieces and stored as they arrive: beyond the listener's max_body_bytes (64 KiB
// here) up to jobs.max_upload_bytes (4 MiB here) and jobs.max_lines; one refused or cut off
// half-way leaves no job; results streamed whole in one chunked answer.
class Uploads : public BulkPrefill {
 protected:
  void tune(ts::HubOptions& o) override {
    clock_file_ = ts::temp_dir("cnss-jobs-clock") + "/offset_days";
    std::ofstream(clock_file_) << 0;
    o.limits_yaml = "  max_body_bytes: 65536\n  read_timeout_ms: 2000\n";
    o.extra_yaml =
        "jobs:\n  concurrency: 4\n  batch: 50\n  poll_ms: 100\n  max_lines: 300000\n"
        "  max_upload_bytes: 4194304\n  retention_days: 30\n  sweep_ms: 200\n"
        "testing:\n  clock_offset_file: " +
        clock_file_ + "\n";
  }

  static std::string file_of(int first, int count) {
    std::string file;
    file.reserve(static_cast<std::size_t>(count) * 9);
    for (int n = first; n < first + count; ++n) file += "JU" + std::to_string(n) + "\n";
    return file;
  }

  // Every job in the store, whatever its state: none is left by a refused upload.
  std::vector<std::string> stored_jobs() {
    auto store = hub::store::open(db_->options(1));
    EXPECT_TRUE(store) << store.error().message;
    if (!store) return {};
    auto runnable = (*store)->runnable_prefill_jobs(1000);
    auto others = (*store)->expired_prefill_jobs(INT64_MAX, INT64_MAX, 1000);
    EXPECT_TRUE(runnable && others);
    if (!runnable || !others) return {};
    runnable->insert(runnable->end(), others->begin(), others->end());
    return *runnable;
  }

  std::string clock_file_;
};

TEST_P(Uploads, AFileBeyondTheBodyLimitIsStoredAndItsResultsStreamBackWhole) {
  constexpr int kLines = 200'000;  // 1.8 MB: 28 times the listener's max_body_bytes
  auto created = submit(file_of(1'000'000, kLines));
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  EXPECT_EQ(created["total"].GetInt64(), kLines);
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + id).response->result_int(), 200);

  const auto lines = results(id);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; ++i) {
    rapidjson::Document d;
    d.Parse(lines[static_cast<std::size_t>(i)].c_str());
    ASSERT_TRUE(d.IsObject()) << lines[static_cast<std::size_t>(i)];
    ASSERT_EQ(d["line"].GetInt64(), i + 1) << "every line once, in order";
    ASSERT_EQ(d["cnie"].GetString(), "JU" + std::to_string(1'000'000 + i));
  }
  auto tail = call("GET", "/v1/jobs/" + id + "/results?after=199990");
  ASSERT_TRUE(tail.response);
  EXPECT_EQ(lines_of(tail.response->body()).size(), 10u) << "streamed from after= to the end";
  auto page = call("GET", "/v1/jobs/" + id + "/results?after=10&limit=5");
  ASSERT_TRUE(page.response);
  EXPECT_FALSE(page.response->chunked());
  EXPECT_EQ(lines_of(page.response->body()).size(), 5u);
  EXPECT_NE(std::string(page.response->at("Link")).find("after=15&limit=5"), std::string::npos);

  // Any other route still reads its body whole within max_body_bytes.
  auto other =
      ts::https_request(hub_->port("internal"), ts::client("agency"), "POST", "/v1/prefill/person",
                        std::string(100'000, ' '), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(other.response) << other.error;
  EXPECT_EQ(other.response->result_int(), 413);
  EXPECT_NE(other.response->body().find("body_too_large"), std::string::npos);
}

TEST_P(Uploads, AnUploadRefusedOrCutOffHalfWayLeavesNoJob) {
  auto too_many = call("POST", "/v1/jobs/prefill", file_of(1'000'000, 300'001));
  ASSERT_TRUE(too_many.response) << too_many.error;
  EXPECT_EQ(too_many.response->result_int(), 413);
  EXPECT_NE(too_many.response->body().find("too_many_lines"), std::string::npos);

  std::string padded;  // 150,000 lines of 41 bytes: 6 MB, over jobs.max_upload_bytes
  for (int n = 1'000'000; n < 1'150'000; ++n) {
    padded += R"({"cnie": "JU)" + std::to_string(n) +
              R"("}                  )"
              "\n";
  }
  auto too_large = call("POST", "/v1/jobs/prefill", padded);
  ASSERT_TRUE(too_large.response) << too_large.error;
  EXPECT_EQ(too_large.response->result_int(), 413);
  EXPECT_NE(too_large.response->body().find("body_too_large"), std::string::npos);

  auto bomb = call("POST", "/v1/jobs/prefill", hub::http::gzip_zeros(8 << 20), "agency", "gzip");
  ASSERT_TRUE(bomb.response) << bomb.error;
  EXPECT_EQ(bomb.response->result_int(), 413) << "counted on the decoded bytes";

  const std::string gz = hub::http::gzip(file_of(1'000'000, 100'000));
  auto broken = call("POST", "/v1/jobs/prefill", gz.substr(0, gz.size() / 2) + "not gzip at all",
                     "agency", "gzip");
  ASSERT_TRUE(broken.response) << broken.error;
  EXPECT_EQ(broken.response->result_int(), 400);
  EXPECT_NE(broken.response->body().find("bad_content_encoding"), std::string::npos);

  // Half the file sent, then nothing: the hub stops waiting (read_timeout_ms) and removes what
  // it had stored.
  const std::string file = file_of(1'000'000, 100'000);
  const std::string head =
      "POST /v1/jobs/prefill HTTP/1.1\r\nHost: localhost\r\n"
      "X-Purpose: IMMATRICULATION\r\nContent-Type: text/csv\r\n"
      "Content-Length: " +
      std::to_string(file.size()) + "\r\n\r\n";
  auto cut = ts::slow_request(hub_->port("internal"), ts::client("agency"),
                              head + file.substr(0, file.size() / 2), 64 * 1024, 1ms, 10s);
  EXPECT_TRUE(cut.handshake_ok) << cut.error;
  EXPECT_FALSE(cut.response) << "no answer to a request cut off";

  std::vector<std::string> left = stored_jobs();
  for (int i = 0; i < 50 && !left.empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    left = stored_jobs();
  }
  EXPECT_TRUE(left.empty()) << left.size() << " job(s) left, first " << left.front();
}

TEST_P(Uploads, ACompressedUploadAndCurlWaitingForContinue) {
  auto created = submit_coded(hub::http::gzip(file_of(2'000'000, 150'000)), "gzip");
  ASSERT_TRUE(created.IsObject());
  EXPECT_EQ(created["total"].GetInt64(), 150'000);
  EXPECT_EQ(
      call("DELETE", "/v1/jobs/" + std::string(created["id"].GetString())).response->result_int(),
      200);

  // curl sends Expect: 100-continue before a body over 1 MB and waits for it.
  const std::string dir = ts::temp_dir("cnss-jobs-curl");
  std::ofstream(dir + "/people.csv") << file_of(3'000'000, 150'000);
  const auto agency = ts::client("agency");
  auto r = ts::run_command(
      {"curl",
       "-sS",
       "-v",
       "--cert",
       agency.certificate,
       "--key",
       agency.key,
       "--cacert",
       agency.ca,
       "-H",
       "X-Purpose: IMMATRICULATION",
       "-H",
       "Content-Type: text/csv",
       "--data-binary",
       "@" + dir + "/people.csv",
       "-o",
       dir + "/answer.json",
       "-w",
       "status=%{http_code}",
       "https://localhost:" + std::to_string(hub_->port("internal")) + "/v1/jobs/prefill"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Expect: 100-continue"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("HTTP/1.1 100 Continue"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("status=202"), std::string::npos) << r.output;
}

// Retention: an ended job is removed with its results jobs.retention_days after it ended (the
// hub's clock moved ahead with testing.clock_offset_file).
TEST_P(Uploads, AnEndedJobIsRemovedAfterTheRetentionDays) {
  auto created = submit(file_of(4'000'000, 100));
  ASSERT_TRUE(created.IsObject());
  const std::string id = created["id"].GetString();
  (void)call("DELETE", "/v1/jobs/" + id);  // cancelled, or done already (409): ended either way
  const std::string state = wait_for(id, 100, "cancelled", 10s)["state"].GetString();
  ASSERT_TRUE(state == "cancelled" || state == "done") << state;
  std::ofstream(clock_file_) << 29;
  std::this_thread::sleep_for(1500ms);  // the clock read again, several sweeps
  EXPECT_EQ(call("GET", "/v1/jobs/" + id).response->result_int(), 200) << "kept 30 days";
  std::ofstream(clock_file_) << 31;
  unsigned status = 200;
  for (int i = 0; i < 100 && status == 200; ++i) {
    std::this_thread::sleep_for(100ms);
    status = call("GET", "/v1/jobs/" + id).response->result_int();
  }
  EXPECT_EQ(status, 404u) << "removed after 30 days";
  EXPECT_TRUE(stored_jobs().empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, Uploads, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Engines, FairShare, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Engines, BulkPrefill, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
