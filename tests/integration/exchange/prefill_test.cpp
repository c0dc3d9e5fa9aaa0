// Prefill end to end: the hub and the four simulators as real processes, over real mutual TLS,
// with the project's mappings. What a registration screen gets, and how the hub behaves when a
// partner is slow, wrong, down or rationed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "support/hub_process.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

constexpr int kDeadlineMs = 2500;

class Prefill : public ::testing::Test {
 protected:
  static void start(int breaker_min_calls) {
    sim_ = new ts::SimProcess();
    ts::HubOptions o;
    o.mappings = true;
    o.partners_yaml = ts::partners_for_sim(
        sim_->ports(), "    breaker: {failure_ratio: 0.5, window: 10, min_calls: " +
                           std::to_string(breaker_min_calls) +
                           ", open_ms: 1500, half_open_probes: 1}\n"
                           "    retry: {max_attempts: 2, base_ms: 20, max_ms: 50}\n"
                           "    cache: {ttl_s: 1, stale_grace_s: 3600, max_entries: 10000}\n");
    o.exchange_yaml = ts::default_exchange_yaml(kDeadlineMs);
    hub_ = new ts::HubProcess(o);
  }
  static void SetUpTestSuite() { start(6); }
  static void TearDownTestSuite() {
    delete hub_;
    delete sim_;
  }

  struct Answer {
    unsigned status = 0;
    rapidjson::Document body;
    std::chrono::milliseconds took{0};
    std::string retry_after;
  };

  static Answer post(const std::string& path, const std::string& json, bool no_cache = false) {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
    if (no_cache) h.emplace_back("Cache-Control", "no-cache");
    const auto t0 = std::chrono::steady_clock::now();
    auto ex =
        ts::https_request(hub_->port("internal"), ts::client("agency"), "POST", path, json, h);
    Answer a;
    a.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return a;
    a.status = ex.response->result_int();
    a.body.Parse(ex.response->body().c_str());
    EXPECT_FALSE(a.body.HasParseError()) << ex.response->body();
    if (ex.response->count("Retry-After"))
      a.retry_after = std::string(ex.response->at("Retry-After"));
    return a;
  }
  static Answer person(const std::string& cnie, bool no_cache = false,
                       const std::string& purpose = "IMMATRICULATION") {
    return post("/v1/prefill/person",
                R"({"cnie":")" + cnie + R"(","purpose":")" + purpose + R"("})", no_cache);
  }
  static std::string str(const rapidjson::Value& root, const char* pointer) {
    const auto* v = rapidjson::Pointer(pointer).Get(root);
    return v && v->IsString() ? std::string(v->GetString()) : std::string();
  }
  static ts::Exchange control(const std::string& partner, const std::string& method,
                              const std::string& target, const std::string& body = "") {
    return ts::https_request(sim_->port(partner), ts::SimProcess::hub_client(partner), method,
                             target, body, {{"Content-Type", "application/json"}});
  }
  static std::string readyz() {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("agency"), "GET", "/readyz");
    return ex.response ? ex.response->body() : "";
  }

  static ts::SimProcess* sim_;
  static ts::HubProcess* hub_;
};
ts::SimProcess* Prefill::sim_ = nullptr;
ts::HubProcess* Prefill::hub_ = nullptr;

// Every non-null scalar of the record has its provenance, naming the partner and mapping.
void expect_provenance_everywhere(const rapidjson::Value& record, const rapidjson::Value& prov,
                                  const std::string& pointer, int& checked) {
  if (record.IsObject()) {
    for (auto it = record.MemberBegin(); it != record.MemberEnd(); ++it) {
      expect_provenance_everywhere(it->value, prov, pointer + "/" + it->name.GetString(), checked);
    }
  } else if (record.IsArray()) {
    for (rapidjson::SizeType i = 0; i < record.Size(); ++i) {
      expect_provenance_everywhere(record[i], prov, pointer + "/" + std::to_string(i), checked);
    }
  } else if (!record.IsNull()) {
    ++checked;
    ASSERT_TRUE(prov.HasMember(pointer.c_str())) << "no provenance for " << pointer;
    const auto& p = prov[pointer.c_str()];
    EXPECT_TRUE(p.HasMember("partner") && p.HasMember("mapping") && p.HasMember("version") &&
                p.HasMember("fetched_at") && p.HasMember("correlation_id") && p.HasMember("source"))
        << pointer;
  }
}

TEST_F(Prefill, PersonWithProvenanceOnEveryField) {
  auto a = person("BK123456");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(a.body, "/partners/dgct/status"), "ok");
  EXPECT_EQ(str(a.body, "/record/person/cnie"), "BK123456");
  EXPECT_FALSE(str(a.body, "/record/person/last_name").empty());
  EXPECT_EQ(str(a.body, "/record/family/holder/cnie"), "BK123456");
  EXPECT_EQ(str(a.body, "/provenance/~1person~1last_name/partner"), "dgsn");
  EXPECT_EQ(str(a.body, "/provenance/~1person~1last_name/mapping"), "dgsn.identity");
  int checked = 0;
  expect_provenance_everywhere(a.body["record"], a.body["provenance"], "", checked);
  EXPECT_GT(checked, 15);
  // DGSN and DGCT describe the same person in the simulated world: no conflict.
  EXPECT_TRUE(a.body["conflicts"].IsArray());
  EXPECT_EQ(a.body["conflicts"].Size(), 0u);
  // The same request again is served from the cache, saying so.
  auto b = person("BK123456");
  EXPECT_EQ(str(b.body, "/partners/dgsn/status"), "cached");
  EXPECT_FALSE(str(b.body, "/partners/dgsn/as_of").empty());
}

// ?provenance=compact gives what the full form gives, grouped by step; none leaves it out; the
// record, conflicts and partners are the same whatever the form; anything else is refused.
TEST_F(Prefill, ProvenanceComesFullCompactOrNotAtAll) {
  const std::string body = R"({"cnie":"BK323456","purpose":"IMMATRICULATION"})";
  auto full = post("/v1/prefill/person", body);
  auto compact = post("/v1/prefill/person?provenance=compact", body);
  auto none = post("/v1/prefill/person?provenance=none", body);
  ASSERT_EQ(full.status, 200u);
  ASSERT_EQ(compact.status, 200u);
  ASSERT_EQ(none.status, 200u);
  EXPECT_TRUE(full.body["record"] == compact.body["record"]);
  EXPECT_TRUE(full.body["record"] == none.body["record"]);
  EXPECT_TRUE(full.body["conflicts"] == compact.body["conflicts"]);
  EXPECT_FALSE(none.body.HasMember("provenance"));

  // Every value's full provenance is found in the compact form under its step.
  const auto& groups = compact.body["provenance"];
  ASSERT_TRUE(groups.IsObject());
  int checked = 0;
  for (auto it = full.body["provenance"].MemberBegin(); it != full.body["provenance"].MemberEnd();
       ++it) {
    const std::string pointer = it->name.GetString();  // /person/last_name
    const auto slash = pointer.find('/', 1);
    const std::string step = pointer.substr(1, slash - 1);
    ASSERT_TRUE(groups.HasMember(step.c_str())) << step;
    const auto& g = groups[step.c_str()];
    for (const char* key : {"partner", "mapping", "version", "fetched_at"}) {
      EXPECT_TRUE(g[key] == it->value[key]) << pointer << " " << key;
    }
    const std::string field = pointer.substr(slash);
    ASSERT_TRUE(g["fields"].HasMember(field.c_str())) << pointer;
    EXPECT_TRUE(g["fields"][field.c_str()] == it->value["source"]) << pointer;
    ++checked;
  }
  EXPECT_GT(checked, 15);
  std::size_t fields = 0;
  for (auto it = groups.MemberBegin(); it != groups.MemberEnd(); ++it) {
    fields += it->value["fields"].MemberCount();
  }
  EXPECT_EQ(fields, full.body["provenance"].MemberCount());

  auto bad = post("/v1/prefill/person?provenance=short", body);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(str(bad.body, "/error/message").find("/provenance"), std::string::npos);
  auto employer = post("/v1/prefill/employer?provenance=compact", R"({"ice":"002233445000042"})");
  ASSERT_EQ(employer.status, 200u);
  EXPECT_EQ(str(employer.body, "/provenance/company/partner"), "ompic");
  EXPECT_EQ(str(employer.body, "/provenance/taxpayer/partner"), "dgi");
}

TEST_F(Prefill, EmployerByIceAndByRegister) {
  auto a = post("/v1/prefill/employer", R"({"ice":"001561191000066"})");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/record/company/ice"), "001561191000066");
  EXPECT_EQ(str(a.body, "/partners/ompic/status"), "ok");
  EXPECT_EQ(str(a.body, "/partners/dgi/status"), "ok");
  int checked = 0;
  expect_provenance_everywhere(a.body["record"], a.body["provenance"], "", checked);
  EXPECT_GT(checked, 10);
  // By register entry: DGI is asked with the ICE that OMPIC gave.
  auto b = post("/v1/prefill/employer", R"({"tribunal":"CASABLANCA","rc":"412345"})");
  ASSERT_EQ(b.status, 200u);
  EXPECT_EQ(str(b.body, "/partners/dgi/status"), "ok");
  EXPECT_EQ(str(b.body, "/record/taxpayer/ice"), str(b.body, "/record/company/ice"));
}

TEST_F(Prefill, MalformedInputIsRefusedBeforeAnyPartnerCall) {
  ASSERT_TRUE(control("dgsn", "DELETE", "/_sim/counters").response);
  auto a = person("BK12*");
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(str(a.body, "/error/code"), "invalid_input");
  EXPECT_NE(str(a.body, "/error/message").find("/cnie"), std::string::npos);
  auto b = post("/v1/prefill/person", R"({"cnie":"BK123456"})");
  EXPECT_EQ(b.status, 400u);
  EXPECT_NE(str(b.body, "/error/message").find("/purpose"), std::string::npos);
  auto c = person("BK123456", false, "CURIOSITE");
  EXPECT_EQ(c.status, 400u);
  auto d = post("/v1/prefill/employer", R"({"ice":"001561191000065"})");
  EXPECT_EQ(d.status, 400u);
  EXPECT_NE(str(d.body, "/error/message").find("/ice"), std::string::npos);
  auto e = post("/v1/prefill/person", R"({"cnie":"BK123456","purpose":"CONTROLE","x":"1"})");
  EXPECT_EQ(e.status, 400u);
  EXPECT_NE(str(e.body, "/error/message").find("/x"), std::string::npos);
  auto counters = control("dgsn", "GET", "/_sim/counters");
  ASSERT_TRUE(counters.response);
  EXPECT_EQ(counters.response->body(), R"({"total":0})");
}

// An identifier as people type it is read into the contract's form before any partner is asked,
// and answered in that form (issue 19, kind 6).
TEST_F(Prefill, TypedIdentifiersAreReadInTheirCanonicalForm) {
  auto a = person("bk 123\u00a0456");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/record/person/cnie"), "BK123456");
  auto b = person("BK\u0661\u0662\u0663\u0664\u0665\u0666");  // Arabic-Indic digits
  ASSERT_EQ(b.status, 200u);
  EXPECT_EQ(str(b.body, "/record/person/cnie"), "BK123456");
  auto c = post("/v1/prefill/employer", R"({"ice":"001 561 191-000.066"})");
  ASSERT_EQ(c.status, 200u);
  EXPECT_EQ(str(c.body, "/record/company/ice"), "001561191000066");
  auto d = post("/v1/prefill/employer", R"({"ice":"001 561 191 000 06€"})");
  EXPECT_EQ(d.status, 400u);
  EXPECT_NE(str(d.body, "/error/message").find("/ice"), std::string::npos);
}

TEST_F(Prefill, PurposeNotAllowedTowardsAPartnerIsRefusedPerPartner) {
  // AFFILIATION is a DGSN purpose, not a DGCT one: DGSN answers, DGCT is not asked.
  auto a = person("BK223456", false, "AFFILIATION");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(a.body, "/partners/dgct/error/code"), "forbidden_purpose");
}

struct Fault {
  const char* cnie;
  unsigned status;
  const char* code;
};

// A hub of its own, whose breakers do not open: each fault is seen as the partner gives it.
class PrefillFaults : public Prefill, public ::testing::WithParamInterface<Fault> {
 protected:
  static void SetUpTestSuite() { start(1000); }
};

TEST_P(PrefillFaults, ReservedIdentifierGivesItsStatusWithinTheDeadline) {
  const Fault f = GetParam();
  auto a = person(f.cnie, true);
  EXPECT_EQ(a.status, f.status);
  EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "error");
  EXPECT_EQ(str(a.body, "/partners/dgsn/error/code"), f.code)
      << str(a.body, "/partners/dgsn/error/detail") << ": "
      << str(a.body, "/partners/dgsn/error/message");
  EXPECT_EQ(str(a.body, "/partners/dgct/error/code"), f.code);
  EXPECT_LT(a.took, std::chrono::milliseconds(kDeadlineMs + 400));
  if (f.status == 429 || f.status == 503) {
    EXPECT_FALSE(a.retry_after.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Reserved, PrefillFaults,
                         ::testing::Values(Fault{"AB321000", 404, "not_found"},
                                           Fault{"AB321999", 503, "partner_unavailable"},
                                           Fault{"AB321998", 503, "malformed_response"},
                                           Fault{"AB321997", 503, "timeout"},
                                           Fault{"AB321996", 429, "rate_limited"}),
                         [](const auto& info) { return std::string(info.param.code); });

// A recipe step whose mapping the hub no longer serves (a reload without it) is the hub's fault:
// the partner is not called, its failure is not the partner's malformed answer, nothing is
// retried, and the partner's breaker does not count it.
TEST(PrefillConfiguration, AMissingMappingIsTheHubsFaultNotThePartners) {
  namespace fs = std::filesystem;
  ts::SimProcess sim;
  const std::string mappings = ts::temp_dir("cnss-mappings") + "/mappings";
  fs::copy(ts::source_dir() + "/mappings", mappings, fs::copy_options::recursive);
  ts::HubOptions o;
  o.mappings = true;
  o.mappings_dir = mappings;
  o.partners_yaml = ts::partners_for_sim(
      sim.ports(),
      "    breaker: {failure_ratio: 0.5, window: 4, min_calls: 2, open_ms: 60000, "
      "half_open_probes: 1}\n"
      "    retry: {max_attempts: 3, base_ms: 10, max_ms: 20}\n");
  o.exchange_yaml = ts::default_exchange_yaml(kDeadlineMs);
  ts::HubProcess hub(o);
  // The hub's background thread, which watches the mappings folder, has run once.
  ASSERT_TRUE(hub.process().wait_for_line(
      [](const std::string& l) { return l.find("eligibility job") != std::string::npos; }, 30s));
  // The family mapping goes, with its golden cases; the rest of the set reloads.
  for (const auto& e : fs::directory_iterator(mappings + "/dgct/cases")) {
    if (e.path().filename().string().rfind("family.", 0) == 0) fs::remove(e.path());
  }
  fs::remove(mappings + "/dgct/family.yaml");
  // The hub sees the folder change (it polls every 2 s) and reloads: compiling the set and running
  // its golden cases takes a few seconds on a busy machine.
  auto reloaded = hub.process().wait_for_line(
      [](const std::string& l) { return l.find("mappings ") != std::string::npos; }, 60s);
  ASSERT_TRUE(reloaded);
  ASSERT_NE(reloaded->find("mappings reloaded"), std::string::npos) << *reloaded;
  auto dgct = [&](const std::string& method, const std::string& target) {
    return ts::https_request(sim.port("dgct"), ts::SimProcess::hub_client("dgct"), method, target);
  };
  ASSERT_TRUE(dgct("DELETE", "/_sim/counters").response);
  for (int i = 0; i < 6; ++i) {
    auto ex = ts::https_request(
        hub.port("internal"), ts::client("agency"), "POST", "/v1/prefill/person",
        R"({"cnie":")" + ts::ordinary_cnie("KM", 701001 + i) + R"(","purpose":"IMMATRICULATION"})",
        {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache"}});
    ASSERT_TRUE(ex.response) << ex.error;
    rapidjson::Document b;
    b.Parse(ex.response->body().c_str());
    ASSERT_FALSE(b.HasParseError()) << ex.response->body();
    EXPECT_EQ(ts::str(b, "/partners/dgct/error/code"), "internal") << ex.response->body();
    EXPECT_EQ(ts::str(b, "/partners/dgct/error/detail"), "unknown_mapping");
    EXPECT_EQ(rapidjson::Pointer("/partners/dgct/attempts").Get(b)->GetInt(), 0);
    EXPECT_EQ(ts::str(b, "/partners/dgsn/status"), "ok") << ex.response->body();
  }
  auto calls = dgct("GET", "/_sim/counters");
  ASSERT_TRUE(calls.response);
  EXPECT_EQ(calls.response->body(), R"({"total":0})") << "DGCT was called for an answer the hub "
                                                         "could not read";
  auto ready = ts::https_request(hub.port("internal"), ts::client("agency"), "GET", "/readyz");
  ASSERT_TRUE(ready.response);
  EXPECT_NE(ready.response->body().find(R"("dgct":{"circuit":"closed")"), std::string::npos)
      << ready.response->body();
}

TEST_F(Prefill, APartnerDownGivesAPartialAnswer) {
  // DGCT fails every call; DGSN answers: the answer is DGSN's record, with DGCT's typed error.
  ASSERT_TRUE(control("dgct", "PUT", "/_sim/faults", R"({"error_rate": 1})").response);
  const std::string cnie = "BK323456";
  auto a = post("/v1/prefill/person", R"({"cnie":")" + cnie + R"(","purpose":"CONTROLE"})", true);
  ASSERT_TRUE(control("dgct", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(a.body, "/record/person/cnie"), cnie);
  EXPECT_FALSE(a.body["record"].HasMember("family"));
  EXPECT_EQ(str(a.body, "/partners/dgct/status"), "error");
  EXPECT_EQ(str(a.body, "/partners/dgct/error/code"), "partner_unavailable");
  EXPECT_FALSE(str(a.body, "/partners/dgct/error/message").empty());
  // When every partner fails (the simulators fail on ...999), nothing is answered: 503.
  auto none = post("/v1/prefill/person",
                   R"({"cnie":"BK323999","purpose":"CONTROLE","category":"TNS"})", true);
  EXPECT_EQ(none.status, 503u);
  EXPECT_EQ(str(none.body, "/partners/dgsn/error/code"), "partner_unavailable");
  EXPECT_TRUE(none.body["partners"].HasMember("dgi"));
}

TEST_F(Prefill, SingleFlightSharesOneCallAmongConcurrentRequests) {
  ASSERT_TRUE(control("dgsn", "PUT", "/_sim/faults", R"({"latency_ms": 400})").response);
  const std::string cnie = "CD424242";
  std::vector<std::future<Answer>> all;
  for (int i = 0; i < 12; ++i) {
    all.push_back(std::async(std::launch::async, [&] { return person(cnie); }));
  }
  int ok = 0;
  for (auto& f : all) ok += f.get().status == 200;
  ASSERT_TRUE(control("dgsn", "PUT", "/_sim/faults", R"({"latency_ms": 0})").response);
  EXPECT_EQ(ok, 12);
  auto n = control("dgsn", "GET", "/_sim/counters?id=" + cnie);
  ASSERT_TRUE(n.response);
  EXPECT_EQ(n.response->body(), R"({"count":1})") << "12 concurrent identical requests";
}

TEST_F(Prefill, StaleAnswerIsServedWhenThePartnerFails) {
  const std::string cnie = "EE515151";
  ASSERT_EQ(person(cnie).status, 200u);
  std::this_thread::sleep_for(1200ms);  // the cache's TTL in this configuration is 1 s
  ASSERT_TRUE(control("dgsn", "PUT", "/_sim/faults", R"({"error_rate": 1})").response);
  auto a = person(cnie);
  ASSERT_TRUE(control("dgsn", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "stale");
  EXPECT_FALSE(str(a.body, "/partners/dgsn/as_of").empty());
  EXPECT_EQ(str(a.body, "/partners/dgsn/error/code"), "partner_unavailable");
  EXPECT_EQ(str(a.body, "/record/person/cnie"), cnie);
}

TEST_F(Prefill, BreakerOpensInAFaultStormAndClosesAfter) {
  ASSERT_TRUE(control("dgct", "PUT", "/_sim/faults", R"({"error_rate": 1})").response);
  for (int i = 0; i < 8; ++i) person("JH60" + std::to_string(1000 + i), true);
  EXPECT_NE(readyz().find(R"("dgct":{"circuit":"open")"), std::string::npos) << readyz();
  ASSERT_TRUE(control("dgct", "DELETE", "/_sim/counters").response);
  auto fast = person("JH609999", true);
  EXPECT_EQ(str(fast.body, "/partners/dgct/error/detail"), "circuit_open");
  auto calls = control("dgct", "GET", "/_sim/counters");
  EXPECT_EQ(calls.response->body(), R"({"total":0})") << "an open breaker still called DGCT";
  // The storm passes; after open_ms a probe goes through and the breaker closes.
  ASSERT_TRUE(control("dgct", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  std::this_thread::sleep_for(1600ms);
  auto probe = person("JH608888", true);
  EXPECT_EQ(str(probe.body, "/partners/dgct/status"), "ok");
  EXPECT_NE(readyz().find(R"("dgct":{"circuit":"closed")"), std::string::npos) << readyz();
}

TEST_F(Prefill, DgiQuotaIsNeverExceededInABurst) {
  ASSERT_TRUE(control("dgi", "DELETE", "/_sim/counters").response);
  std::this_thread::sleep_for(2100ms);  // let DGI's own bucket refill after other tests
  // 140 distinct companies at once: the hub spreads its DGI calls at 45/s after a burst of 90.
  std::vector<std::future<Answer>> all;
  for (int i = 0; i < 140; ++i) {
    // ICEs 0012345NN0000KK: valid modulo 97.
    std::string base = "00123" + std::to_string(4000 + i) + "0000";
    unsigned r = 0;
    for (char c : base) r = (r * 10 + static_cast<unsigned>(c - '0')) % 97;
    r = (r * 100) % 97;
    const unsigned key = (97 - r) % 97;
    const std::string ice = base + (key < 10 ? "0" : "") + std::to_string(key);
    all.push_back(std::async(std::launch::async, [ice] {
      return post("/v1/prefill/employer", R"({"ice":")" + ice + R"("})", true);
    }));
  }
  int dgi_ok = 0;
  for (auto& f : all) {
    auto a = f.get();
    dgi_ok += str(a.body, "/partners/dgi/status") == "ok";
  }
  auto c = control("dgi", "GET", "/_sim/counters");
  ASSERT_TRUE(c.response);
  EXPECT_EQ(c.response->body().find("quota"), std::string::npos)
      << "DGI refused calls over its quota: " << c.response->body();
  EXPECT_GE(dgi_ok, 90);
}

TEST_F(Prefill, JournalVerifiesAndNamesATamperedEntry) {
  ASSERT_EQ(person("BK777001", true).status, 200u);
  ASSERT_EQ(person("BK777002", true).status, 200u);
  // The journal is written in batches a few milliseconds apart.
  std::this_thread::sleep_for(300ms);
  const std::string bin = ts::binary_dir() + "/bin/cnss-hub";
  auto ok = ts::run_command({bin, "audit", "verify", "--config", hub_->config_file()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("journal verified"), std::string::npos) << ok.output;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((hub_->dir() + "/data/hub.db").c_str(), &db), SQLITE_OK);
  // The journal refuses updates through triggers; a tamperer with file access drops them.
  char* err = nullptr;
  sqlite3_exec(db, "SELECT 1", nullptr, nullptr, &err);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='trigger'", -1, &st,
                               nullptr),
            SQLITE_OK);
  std::vector<std::string> triggers;
  while (sqlite3_step(st) == SQLITE_ROW) {
    triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  for (const auto& t : triggers)
    sqlite3_exec(db, ("DROP TRIGGER " + t).c_str(), nullptr, nullptr, nullptr);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_journal SET outcome = 'oK' WHERE seq = 2", nullptr,
                         nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(db);
  auto broken = ts::run_command({bin, "audit", "verify", "--config", hub_->config_file()});
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("entry 2"), std::string::npos) << broken.output;
}

}  // namespace

namespace {

TEST_F(Prefill, CachedAnswersAreJournaledTiedToTheirCall) {
  // The first ask calls DGSN; the second is served from the cache: both are in the journal,
  // the second as "cached" with the first call's answer hash.
  // Rows are matched by the masked form (BK****NN): its last two digits, 70 to 89, are no other
  // test's in this suite.
  std::random_device rd;
  const std::string cnie = "BK778" + std::to_string(1 + rd() % 9) + std::to_string(70 + rd() % 20);
  ASSERT_EQ(person(cnie, true).status, 200u);
  auto second = person(cnie);
  ASSERT_EQ(second.status, 200u);
  EXPECT_EQ(str(second.body, "/partners/dgsn/status"), "cached");
  std::this_thread::sleep_for(300ms);  // the journal is written in batches
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((hub_->dir() + "/data/hub.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT outcome, response_sha256, identifier_masked FROM "
                               "audit_journal WHERE partner = 'dgsn' ORDER BY seq",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::vector<std::array<std::string, 3>> rows;
  const std::string masked = cnie.substr(0, 2) + "****" + cnie.substr(cnie.size() - 2);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::array<std::string, 3> r;
    for (int i = 0; i < 3; ++i) r[i] = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    if (r[2] == masked) rows.push_back(r);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows.front()[0], "ok");
  EXPECT_EQ(rows.back()[0], "cached");
  EXPECT_EQ(rows.back()[1], rows.front()[1]) << "the cached entry names the call's answer";
}

}  // namespace

namespace {

// ANRC (anrc.md) through the hub: the person recipe asks it for AMO Tadamon registrations only.
// The simulator itself is asked first, as the hub would, for what the hub must then report. A hub
// of its own, whose breakers do not open: the reserved failures must not spill into other tests.
class PrefillAnrc : public Prefill {
 protected:
  static void SetUpTestSuite() { start(1000); }
  struct Household {
    std::string cnie, id, indice;
    bool eligible = false;
  };
  static std::optional<Household> ask_anrc(const std::string& cnie, unsigned* status = nullptr) {
    auto ex =
        ts::https_request(sim_->port("anrc"), ts::SimProcess::hub_client("anrc"), "GET",
                          "/rsu/api/v1/menages?cnie=" + cnie, "", {{"X-Finalite", "AMO_TADAMON"}});
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return std::nullopt;
    if (status) *status = ex.response->result_int();
    rapidjson::Document d;
    d.Parse(ex.response->body().c_str());
    if (ex.response->result_int() != 200 || d.HasParseError()) return std::nullopt;
    const auto* list = rapidjson::Pointer("/eligibilites").Get(d);
    if (list == nullptr || !list->IsArray()) return std::nullopt;
    for (const auto& e : list->GetArray()) {
      if (str(e, "/programme") != "AMO_TADAMON") continue;
      return Household{cnie, str(d, "/menage/identifiant"), str(d, "/menage/indice"),
                       e["eligible"].GetBool()};
    }
    return std::nullopt;  // no AMO Tadamon entry stated
  }
  // The first CNIE of a series whose household is eligible (or not), or in none.
  static Household find(bool eligible) {
    for (int i = 100; i < 400; ++i) {
      auto h = ask_anrc("BK555" + std::to_string(i));
      if (h && h->eligible == eligible) return *h;
    }
    ADD_FAILURE() << "no " << (eligible ? "eligible" : "ineligible") << " household found";
    return {};
  }
  static std::string unregistered() {
    for (int i = 100; i < 400; ++i) {
      unsigned status = 0;
      ask_anrc("BK666" + std::to_string(i), &status);
      if (status == 404) return "BK666" + std::to_string(i);
    }
    ADD_FAILURE() << "every CNIE is in a household";
    return {};
  }
  static Answer tadamon(const std::string& cnie, const std::string& purpose = "IMMATRICULATION",
                        const std::string& category = "AMO_TADAMON") {
    return post("/v1/prefill/person",
                R"({"cnie":")" + cnie + R"(","purpose":")" + purpose + R"(","category":")" +
                    category + R"("})",
                true);
  }
  static std::string anrc_calls(const std::string& cnie) {
    auto c = control("anrc", "GET", "/_sim/counters?id=" + cnie);
    return c.response ? c.response->body() : c.error;
  }
};

TEST_F(PrefillAnrc, AmoTadamonGetsTheHouseholdWithItsProvenance) {
  for (const bool eligible : {true, false}) {
    const Household h = find(eligible);
    auto a = tadamon(h.cnie);
    ASSERT_EQ(a.status, 200u);
    EXPECT_EQ(str(a.body, "/partners/anrc/step"), "household");
    EXPECT_EQ(str(a.body, "/partners/anrc/status"), "ok");
    EXPECT_EQ(str(a.body, "/partners/dgsn/status"), "ok");
    EXPECT_EQ(str(a.body, "/record/household/household_id"), h.id);
    const auto* stated = rapidjson::Pointer("/record/household/amo_tadamon/eligible").Get(a.body);
    ASSERT_TRUE(stated && stated->IsBool()) << h.cnie;
    EXPECT_EQ(stated->GetBool(), eligible) << h.cnie;
    const auto* index = rapidjson::Pointer("/record/household/index").Get(a.body);
    ASSERT_TRUE(index && index->IsNumber());
    EXPECT_DOUBLE_EQ(index->GetDouble(), std::stod(h.indice));
    const auto* threshold =
        rapidjson::Pointer("/record/household/amo_tadamon/threshold").Get(a.body);
    ASSERT_TRUE(threshold && threshold->IsNumber());
    EXPECT_DOUBLE_EQ(threshold->GetDouble(), 9.3264284);
    for (const char* field : {"/household/amo_tadamon/eligible", "/household/index",
                              "/household/amo_tadamon/threshold", "/household/household_id"}) {
      std::string pointer = "/provenance/";
      for (char c : std::string(field)) pointer += c == '/' ? std::string("~1") : std::string(1, c);
      EXPECT_EQ(str(a.body, (pointer + "/partner").c_str()), "anrc") << field;
      EXPECT_EQ(str(a.body, (pointer + "/mapping").c_str()), "anrc.household") << field;
      EXPECT_FALSE(str(a.body, (pointer + "/correlation_id").c_str()).empty()) << field;
    }
    // The person asked is a member of the household, as DGSN names them.
    bool member = false;
    for (const auto& m : rapidjson::Pointer("/record/household/members").Get(a.body)->GetArray()) {
      if (str(m, "/cnie") != h.cnie) continue;
      member = true;
      EXPECT_EQ(str(m, "/last_name"), str(a.body, "/record/person/last_name"));
    }
    EXPECT_TRUE(member) << h.cnie;
    int checked = 0;
    expect_provenance_everywhere(a.body["record"], a.body["provenance"], "", checked);
  }
}

TEST_F(PrefillAnrc, NoHouseholdAndAnrcFailuresAreAnrcsStepOnly) {
  auto none = tadamon(unregistered());
  ASSERT_EQ(none.status, 200u);  // DGSN and DGCT answered
  EXPECT_EQ(str(none.body, "/partners/anrc/status"), "error");
  EXPECT_EQ(str(none.body, "/partners/anrc/error/code"), "not_found");
  EXPECT_FALSE(none.body["record"].HasMember("household"));

  // A reserved failure: every partner's internal error, ANRC's read through its mapping.
  auto failed = tadamon("BK321999");
  EXPECT_EQ(failed.status, 503u);
  EXPECT_EQ(str(failed.body, "/partners/anrc/error/code"), "partner_unavailable");
  auto cut = tadamon("BK321998");
  EXPECT_EQ(str(cut.body, "/partners/anrc/error/code"), "malformed_response");

  // ANRC down, the others not: a partial answer that says so.
  const Household h = find(true);
  ASSERT_TRUE(control("anrc", "PUT", "/_sim/faults", R"({"error_rate": 1})").response);
  auto down = tadamon(h.cnie);
  ASSERT_TRUE(control("anrc", "PUT", "/_sim/faults", R"({"error_rate": 0})").response);
  EXPECT_EQ(down.status, 200u);
  EXPECT_EQ(str(down.body, "/partners/dgsn/status"), "ok");
  EXPECT_EQ(str(down.body, "/partners/anrc/error/code"), "partner_unavailable");
  EXPECT_FALSE(down.body["record"].HasMember("household"));
}

TEST_F(PrefillAnrc, OnlyAmoTadamonAndOnlyItsPurposesReachAnrc) {
  const std::string cnie = find(true).cnie;
  ASSERT_TRUE(control("anrc", "DELETE", "/_sim/counters").response);
  for (const std::string category : {"SALARIE", "TNS", "AMO_ACHAMIL"}) {
    auto a = tadamon(cnie, "IMMATRICULATION", category);
    EXPECT_EQ(a.status, 200u) << category;
    EXPECT_FALSE(a.body["partners"].HasMember("anrc")) << category;
  }
  auto plain = person(cnie, true);
  EXPECT_FALSE(plain.body["partners"].HasMember("anrc"));
  EXPECT_EQ(anrc_calls(cnie), R"({"count":0})") << "ANRC was asked for another category";

  // AFFILIATION has no ANRC finalité: refused without a call. CONTROLE is ANRC's own.
  auto affiliation = tadamon(cnie, "AFFILIATION");
  EXPECT_EQ(str(affiliation.body, "/partners/anrc/error/code"), "forbidden_purpose");
  EXPECT_EQ(anrc_calls(cnie), R"({"count":0})");
  auto control_purpose = tadamon(cnie, "CONTROLE");
  EXPECT_EQ(str(control_purpose.body, "/partners/anrc/status"), "ok");
  auto registration = tadamon(cnie);
  EXPECT_EQ(str(registration.body, "/partners/anrc/status"), "ok");
  EXPECT_EQ(anrc_calls(cnie), R"({"count":2})");
}

}  // namespace
