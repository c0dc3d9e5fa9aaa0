// The mapping workbench's API end to end (issue 13, docs/workbench.md): real hub processes over
// real mutual TLS with the dev PKI's two administrators, the real simulators for the traffic a
// replay reads, and the store on both engines (a second hub node on the same PostgreSQL).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "hub/store/store.hpp"
#include "hub/workbench/versions.hpp"
#include "support/hub_process.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"
#include "unit/store/engines.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* kMapping = "dgsn.identity";
constexpr const char* kTable = "table.dgsn_card_status";  // used by dgsn.identity

std::string json_str(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The 1-based line of the first line of `text` that starts with `prefix`; 0 when none.
int line_of(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  int n = 0;
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.rfind(prefix, 0) == 0) return n;
  }
  return 0;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class Workbench : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    sim_ = std::make_unique<ts::SimProcess>();
    options_.mappings = true;
    options_.mappings_from = "store";
    options_.partners_yaml = ts::partners_for_sim(sim_->ports(), "", 3000);
    options_.exchange_yaml = ts::default_exchange_yaml(8000);
    const auto o = db_->options();
    options_.store_yaml = ts::store_yaml(GetParam(), o.path, o.url);
    options_.extra_yaml = "workbench:\n  replay_sample: 50\n  poll_ms: 100\n";
    hub_ = std::make_unique<ts::HubProcess>(options_);
    yaml_ = read_text(ts::source_dir() + "/mappings/dgsn/identity.yaml");
    table_ = read_text(ts::source_dir() + "/mappings/tables/dgsn_card_status.yaml");
  }

  ts::Reply call(const std::string& who, const std::string& method, const std::string& target,
                 const std::string& body = "", ts::HubProcess* hub = nullptr) {
    auto ex = ts::https_request((hub ? hub : hub_.get())->port("internal"), ts::client(who), method,
                                target, body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(ex.response) << ex.error;
    return ts::reply_of(ex);
  }

  std::string new_draft(const std::string& who = "admin", const std::string& id = kMapping) {
    auto r = call(who, "POST", "/admin/v1/mappings/" + id + "/drafts", "{}");
    EXPECT_EQ(r.status, 201u) << r.raw;
    return ts::str(r.body, "/draft");
  }

  ts::Reply edit(const std::string& draft, const std::string& yaml) {
    return call("admin", "PUT", "/admin/v1/drafts/" + draft, "{\"yaml\":" + json_str(yaml) + "}");
  }

  // The version of an item (dgsn.identity unless told) a hub serves now (GET /admin/v1/mappings).
  std::int64_t served(ts::HubProcess* hub = nullptr, const std::string& id = kMapping) {
    auto r = call("admin", "GET", "/admin/v1/mappings", "", hub);
    if (r.status != 200 || !r.body.HasMember("mappings")) return -1;
    for (const auto& m : r.body["mappings"].GetArray())
      if (std::string(m["id"].GetString()) == id) return m["served_version"].GetInt64();
    return -1;
  }

  bool served_within(std::int64_t version, std::chrono::milliseconds limit,
                     ts::HubProcess* hub = nullptr, const std::string& id = kMapping) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (served(hub, id) == version) return true;
      std::this_thread::sleep_for(50ms);
    }
    return served(hub, id) == version;
  }

  // Asks (admin) and approves (admin2): the new version.
  std::int64_t publish(const std::string& draft) {
    auto ask = call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish",
                    R"({"reason":"a comment for the test"})");
    EXPECT_EQ(ask.status, 202u) << ask.raw;
    auto ok = call("admin2", "POST", "/admin/v1/drafts/" + draft + "/approve");
    EXPECT_EQ(ok.status, 200u) << ok.raw;
    return ok.body.IsObject() && ok.body.HasMember("version") ? ok.body["version"].GetInt64() : -1;
  }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<ts::SimProcess> sim_;
  ts::HubOptions options_;
  std::unique_ptr<ts::HubProcess> hub_;
  std::string yaml_;
  std::string table_;
};

TEST_P(Workbench, TheFolderSeedsTheStoreAndEveryVersionIsServed) {
  auto r = call("admin", "GET", std::string("/admin/v1/mappings/") + kMapping + "/versions");
  ASSERT_EQ(r.status, 200u) << r.raw;
  ASSERT_EQ(r.body["versions"].Size(), 1u);
  EXPECT_EQ(ts::str(r.body, "/versions/0/kind"), "seed");
  EXPECT_EQ(served(), 1);
  auto v = call("admin2", "GET", std::string("/admin/v1/mappings/") + kMapping + "/versions/1");
  ASSERT_EQ(v.status, 200u);
  EXPECT_EQ(ts::str(v.body, "/yaml"), yaml_);
  EXPECT_GT(v.body["cases"].Size(), 20u);
  // Reading needs a workbench role: the agency has none.
  EXPECT_EQ(call("agency", "GET", "/admin/v1/mappings").status, 403u);
}

TEST_P(Workbench, ValidateGivesPositions) {
  const std::string draft = new_draft();
  const std::string broken =
      replace_once(yaml_, "    path: c:LieuNaissance\n    transform: [collapse_spaces]",
                   "    path: c:LieuNaissance\n    transform: [collapse_spacez]");
  auto saved = edit(draft, broken);
  ASSERT_EQ(saved.status, 200u) << saved.raw;  // saved even though it does not compile
  auto r = call("admin", "POST", "/admin/v1/drafts/" + draft + "/validate");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_FALSE(r.body["ok"].GetBool());
  ASSERT_EQ(r.body["diagnostics"].Size(), 1u) << r.raw;
  const auto& d = r.body["diagnostics"][0];
  const int line = line_of(broken, "    transform: [collapse_spacez]");
  EXPECT_EQ(d["line"].GetInt(), line) << r.raw;
  EXPECT_EQ(d["end_line"].GetInt(), line);
  // The span covers the unknown name, "collapse_spacez", on that line.
  EXPECT_EQ(d["col"].GetInt(), 17) << r.raw;
  EXPECT_EQ(d["end_col"].GetInt(), 17 + 15) << r.raw;
  EXPECT_NE(std::string(d["path"].GetString()).find("birth_place"), std::string::npos) << r.raw;
  EXPECT_FALSE(std::string(d["code"].GetString()).empty());
  // The draft kept the broken text, and the published version is untouched.
  EXPECT_EQ(ts::str(call("admin", "GET", "/admin/v1/drafts/" + draft).body, "/yaml"), broken);
  EXPECT_EQ(served(), 1);
}

TEST_P(Workbench, DryRunMapsTheGivenPayload) {
  const std::string draft = new_draft();
  const std::string payload =
      read_text(ts::source_dir() + "/mappings/dgsn/cases/identity.full.xml");
  auto r = call("admin", "POST", "/admin/v1/drafts/" + draft + "/dry-run",
                "{\"payload\":" + json_str(payload) + "}");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_TRUE(r.body["ok"].GetBool()) << r.raw;
  rapidjson::Document want;
  want.Parse(
      read_text(ts::source_dir() + "/mappings/dgsn/cases/identity.full.expected.json").c_str());
  EXPECT_TRUE(r.body["output"] == want["record"]) << r.raw;
  // A payload the draft refuses says why.
  auto bad = call("admin", "POST", "/admin/v1/drafts/" + draft + "/dry-run",
                  R"({"payload":"<not-soap/>"})");
  ASSERT_EQ(bad.status, 200u);
  EXPECT_FALSE(bad.body["ok"].GetBool());
  EXPECT_TRUE(bad.body.HasMember("error")) << bad.raw;
  // Cases run: all pass on the unchanged draft, expected beside actual.
  auto cases = call("admin", "POST", "/admin/v1/drafts/" + draft + "/cases/run");
  ASSERT_EQ(cases.status, 200u) << cases.raw;
  EXPECT_EQ(cases.body["failed"].GetInt(), 0) << cases.raw;
  EXPECT_GT(cases.body["passed"].GetInt(), 20);
  EXPECT_TRUE(cases.body["cases"][0].HasMember("actual"));
}

TEST_P(Workbench, ReplayCountsTheFieldADraftRenames) {
  // Traffic through the hub: DGSN's real answers for distinct people fill the sample.
  std::mt19937_64 rng(std::random_device{}());
  int with_birth_place = 0;
  const int people = 8;
  for (int i = 0; i < people; ++i) {
    auto p =
        call("agency", "POST", "/v1/prefill/person",
             R"({"cnie":")" + ts::ordinary_cnie("BK", rng()) + R"(","purpose":"IMMATRICULATION"})");
    ASSERT_EQ(p.status, 200u) << p.raw;
    ASSERT_EQ(ts::str(p.body, "/partners/dgsn/status"), "ok") << p.raw;
    if (!ts::str(p.body, "/record/person/birth_place").empty()) ++with_birth_place;
  }
  ASSERT_GT(with_birth_place, 0);
  // The draft reads the birth place from an element renamed: the draft loses that field, and
  // nothing else changes.
  const std::string draft = new_draft();
  ASSERT_EQ(
      edit(draft, replace_once(yaml_, "path: c:LieuNaissance", "path: c:LieuDeNaissance")).status,
      200u);
  auto r = call("admin", "POST", "/admin/v1/drafts/" + draft + "/replay");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["sample_size"].GetInt(), people) << r.raw;
  EXPECT_EQ(r.body["compared"].GetInt(), people);
  EXPECT_EQ(r.body["changed_answers"].GetInt(), with_birth_place) << r.raw;
  ASSERT_EQ(r.body["fields"].Size(), 1u) << r.raw;
  const auto& f = r.body["fields"][0];
  EXPECT_EQ(std::string(f["path"].GetString()), "/birth_place");
  EXPECT_EQ(f["only_published"].GetInt(), with_birth_place);
  EXPECT_EQ(f["changed"].GetInt(), 0);
  EXPECT_EQ(f["only_draft"].GetInt(), 0);
  ASSERT_GE(f["examples"].Size(), 1u);
  EXPECT_TRUE(f["examples"][0]["draft"].IsNull());
  // The sample lives in memory only: a restart drops it.
  hub_.reset();
  options_.dir = "";
  hub_ = std::make_unique<ts::HubProcess>(options_);
  auto again = call("admin", "POST", "/admin/v1/drafts/" + draft + "/replay");
  ASSERT_EQ(again.status, 200u) << again.raw;
  EXPECT_EQ(again.body["sample_size"].GetInt(), 0) << again.raw;
}

// The events partners push are in the sample too, for the mapping that reads them.
TEST_P(Workbench, ReplayAlsoReadsThePushedEvents) {
  const std::string event =
      read_text(ts::source_dir() + "/mappings/dgct/cases/civil_event.birth.json");
  auto pushed = ts::reply_of(ts::https_request(hub_->port("partners"), ts::client("dgct"), "POST",
                                               "/partner/v1/events", event,
                                               {{"Content-Type", "application/json"}}));
  ASSERT_EQ(pushed.status, 202u) << pushed.raw;
  auto d = call("admin", "POST", "/admin/v1/mappings/dgct.civil_event/drafts", "{}");
  ASSERT_EQ(d.status, 201u) << d.raw;
  auto r = call("admin", "POST", "/admin/v1/drafts/" + ts::str(d.body, "/draft") + "/replay");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["sample_size"].GetInt(), 1) << r.raw;
  EXPECT_EQ(r.body["changed_answers"].GetInt(), 0) << r.raw;
}

TEST_P(Workbench, TheAuthorCannotApproveAndAnotherApproverPublishes) {
  const std::string draft = new_draft("admin");
  ASSERT_EQ(edit(draft, "# reviewed\n" + yaml_).status, 200u);
  auto ask =
      call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish", R"({"reason":"a comment"})");
  ASSERT_EQ(ask.status, 202u) << ask.raw;
  auto self = call("admin", "POST", "/admin/v1/drafts/" + draft + "/approve");
  EXPECT_EQ(self.status, 403u) << self.raw;
  EXPECT_EQ(ts::str(self.body, "/error/code"), "self_approval") << self.raw;
  EXPECT_EQ(served(), 1);
  auto ok = call("admin2", "POST", "/admin/v1/drafts/" + draft + "/approve");
  ASSERT_EQ(ok.status, 200u) << ok.raw;
  EXPECT_EQ(ok.body["version"].GetInt64(), 2);
  EXPECT_TRUE(served_within(2, 2s));
  auto versions = call("admin", "GET", std::string("/admin/v1/mappings/") + kMapping + "/versions");
  EXPECT_EQ(ts::str(versions.body, "/versions/0/author"), "hub-admin");
  EXPECT_EQ(ts::str(versions.body, "/versions/0/approver"), "hub-admin2");
  EXPECT_EQ(ts::str(versions.body, "/versions/0/kind"), "publish");
  EXPECT_EQ(versions.body["versions"][0]["parent"].GetInt64(), 1);
}

TEST_P(Workbench, AFailingDraftCannotBePublished) {
  const std::string draft = new_draft();
  // Compiles, but the golden cases expect the birth place.
  ASSERT_EQ(
      edit(draft, replace_once(yaml_, "path: c:LieuNaissance", "path: c:LieuDeNaissance")).status,
      200u);
  auto ask = call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish",
                  R"({"reason":"should not pass"})");
  EXPECT_EQ(ask.status, 422u) << ask.raw;
  EXPECT_EQ(ts::str(ask.body, "/error/code"), "draft_failing") << ask.raw;
  ASSERT_TRUE(ask.body["error"].HasMember("details")) << ask.raw;
  EXPECT_GT(ask.body["error"]["details"]["failed_cases"].Size(), 0u) << ask.raw;
  // A draft that does not compile is refused the same way.
  ASSERT_EQ(edit(draft, replace_once(yaml_, "[collapse_spaces]", "[nope]")).status, 200u);
  auto broken = call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish",
                     R"({"reason":"should not pass"})");
  EXPECT_EQ(broken.status, 422u) << broken.raw;
  EXPECT_EQ(ts::str(call("admin", "GET", "/admin/v1/drafts/" + draft).body, "/state"), "editing");
  EXPECT_EQ(call("admin", "GET", std::string("/admin/v1/mappings/") + kMapping + "/versions")
                .body["versions"]
                .Size(),
            1u);
}

TEST_P(Workbench, RollbackPublishesAnEarlierVersionAgain) {
  const std::string draft = new_draft();
  ASSERT_EQ(edit(draft, "# reviewed\n" + yaml_).status, 200u);
  ASSERT_EQ(publish(draft), 2);
  auto diff =
      call("admin", "GET", std::string("/admin/v1/mappings/") + kMapping + "/diff?from=1&to=2");
  ASSERT_EQ(diff.status, 200u) << diff.raw;
  EXPECT_NE(ts::str(diff.body, "/diff").find("\n+# reviewed\n"), std::string::npos) << diff.raw;
  EXPECT_EQ(diff.body["cases_changed"].Size(), 0u);
  auto noreason =
      call("admin2", "POST", std::string("/admin/v1/mappings/") + kMapping + "/rollback",
           R"({"to_version":1})");
  EXPECT_EQ(noreason.status, 400u) << noreason.raw;
  auto r = call("admin2", "POST", std::string("/admin/v1/mappings/") + kMapping + "/rollback",
                R"({"to_version":1,"reason":"the comment was premature"})");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["version"].GetInt64(), 3);
  auto v3 = call("admin", "GET", std::string("/admin/v1/mappings/") + kMapping + "/versions/3");
  EXPECT_EQ(ts::str(v3.body, "/kind"), "rollback");
  EXPECT_EQ(ts::str(v3.body, "/reason"), "the comment was premature");
  EXPECT_EQ(v3.body["parent"].GetInt64(), 2);
  EXPECT_EQ(ts::str(v3.body, "/yaml"), yaml_);
  EXPECT_TRUE(served_within(3, 2s));
  // An author without the approver role may not roll back: the agency has neither.
  EXPECT_EQ(call("agency", "POST", std::string("/admin/v1/mappings/") + kMapping + "/rollback",
                 R"({"to_version":1,"reason":"x"})")
                .status,
            403u);
}

TEST_P(Workbench, TheJournalHoldsEveryAction) {
  const std::string draft = new_draft();
  edit(draft, "# reviewed\n" + yaml_);
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/validate");
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/dry-run", R"({"payload":"<x/>"})");
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/cases/run");
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/replay");
  // A case given in base64 (its bytes are not UTF-8), read back as such.
  auto c = call("admin", "PUT", "/admin/v1/drafts/" + draft + "/cases/extra",
                R"({"input_base64":"PHg+//48L3g+","expected":{"error":"malformed_response"}})");
  EXPECT_EQ(c.status, 200u) << c.raw;
  EXPECT_EQ(ts::str(c.body, "/input_base64"), "PHg+//48L3g+") << c.raw;
  EXPECT_EQ(ts::str(c.body, "/format"), "xml") << c.raw;
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish", R"({"reason":"r"})");
  call("admin", "POST", "/admin/v1/drafts/" + draft + "/approve");  // refused: self-approval
  call("admin2", "POST", "/admin/v1/drafts/" + draft + "/approve");
  call("admin2", "POST", std::string("/admin/v1/mappings/") + kMapping + "/rollback",
       R"({"to_version":1,"reason":"back"})");
  const std::string other = new_draft("admin2");
  call("admin2", "POST", "/admin/v1/drafts/" + other + "/publish", R"({"reason":"r"})");
  call("admin", "POST", "/admin/v1/drafts/" + other + "/reject", R"({"reason":"no"})");

  auto store = hub::store::open(db_->options());
  ASSERT_TRUE(store) << store.error().message;
  std::multiset<std::string> seen;
  ASSERT_TRUE((*store)->scan_journal(1, [&](const hub::store::JournalEntry& e) {
    if (e.operation.rfind("workbench.", 0) == 0)
      seen.insert(e.operation + " " + e.principal + " " + e.outcome);
    return true;
  }));
  const std::multiset<std::string> want = {
      "workbench.draft_created hub-admin ok",       "workbench.draft_edited hub-admin ok",
      "workbench.validated hub-admin ok",           "workbench.dry_run hub-admin ok",
      "workbench.cases_run hub-admin ok",           "workbench.replayed hub-admin ok",
      "workbench.case_edited hub-admin ok",         "workbench.publish_asked hub-admin ok",
      "workbench.approved hub-admin self_approval", "workbench.approved hub-admin2 ok",
      "workbench.rolled_back hub-admin2 ok",        "workbench.draft_created hub-admin2 ok",
      "workbench.publish_asked hub-admin2 ok",      "workbench.rejected hub-admin ok"};
  EXPECT_EQ(seen, want);
}

// Two hub nodes on one store (PostgreSQL, as CNSS runs several; or one SQLite file shared by two
// processes on one machine): a publication approved on one is served by the other within 2 s
// (each polls the store every poll_ms, at most 1 s).
TEST_P(Workbench, APublicationReachesTheOtherNodeWithinTwoSeconds) {
  ts::HubOptions second = options_;
  second.dir = "";
  second.extra_yaml = "workbench:\n  poll_ms: 1000\n";  // the slowest allowed
  ts::HubProcess other(second);
  EXPECT_EQ(served(&other), 1);
  const std::string draft = new_draft();
  ASSERT_EQ(edit(draft, "# reviewed\n" + yaml_).status, 200u);
  ASSERT_EQ(publish(draft), 2);
  // From the approval's answer (the version is committed just before it) to the other node's.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(served_within(2, 2s, &other));
  std::cout << "served by the other node after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  auto r = call("admin", "GET", "/admin/v1/drafts", "", &other);
  EXPECT_EQ(ts::str(r.body, "/drafts/0/state"), "published");
}

// `cnss-hub mapping export` writes the published set back as a mappings folder: the published
// change in it, and the folder passes `cnss-hub mapping check`.
TEST_P(Workbench, ExportWritesThePublishedSetAsFiles) {
  const std::string draft = new_draft();
  ASSERT_EQ(edit(draft, "# reviewed\n" + yaml_).status, 200u);
  ASSERT_EQ(publish(draft), 2);
  const std::string out = ts::temp_dir("cnss-workbench-export");
  auto ex = ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "mapping", "export", "--config",
                             hub_->config_file(), out});
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_NE(ex.output.find("dgsn.identity\tversion 2\tdgsn/identity.yaml"), std::string::npos)
      << ex.output;
  EXPECT_EQ(read_text(out + "/dgsn/identity.yaml"), "# reviewed\n" + yaml_);
  EXPECT_EQ(read_text(out + "/dgsn/cases/identity.full.xml"),
            read_text(ts::source_dir() + "/mappings/dgsn/cases/identity.full.xml"));
  auto check = ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "mapping", "check", out});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  std::filesystem::remove_all(out);
}

// A code table is versioned like a mapping (seeded, drafted, four-eyes published) and the nodes
// serve the mappings compiled against the tables of the same published set: a code the table
// gains reaches the other node within 2 s, and a mapping's dry-run maps it.
TEST_P(Workbench, ATableEditReachesTheOtherNodeWithinTwoSeconds) {
  auto list = call("admin", "GET", "/admin/v1/mappings");
  ASSERT_EQ(list.status, 200u) << list.raw;
  EXPECT_NE(
      list.raw.find(std::string("{\"id\":\"") + kTable + "\",\"type\":\"table\",\"version\":1,"),
      std::string::npos)
      << list.raw;
  EXPECT_EQ(served(nullptr, kTable), 1);
  ts::HubOptions second = options_;
  second.dir = "";
  second.extra_yaml = "workbench:\n  poll_ms: 1000\n";
  ts::HubProcess other(second);
  EXPECT_EQ(served(&other, kTable), 1);
  const std::string draft = new_draft("admin", kTable);
  EXPECT_EQ(ts::str(call("admin", "GET", "/admin/v1/drafts/" + draft).body, "/type"), "table");
  auto e = edit(draft, table_ + "  RETIREE: cancelled\n");
  ASSERT_EQ(e.status, 200u) << e.raw;
  EXPECT_EQ(e.body["diagnostics"].Size(), 0u) << e.raw;
  auto cases = call("admin", "POST", "/admin/v1/drafts/" + draft + "/cases/run");
  EXPECT_EQ(cases.body["failed"].GetInt(), 0) << cases.raw;
  EXPECT_GT(cases.body["passed"].GetInt(), 100) << cases.raw;  // every mapping's cases
  ASSERT_EQ(publish(draft), 2);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(served_within(2, 2s, &other, kTable));
  std::cout << "table served by the other node after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  const std::string mapping = new_draft("admin", kMapping);
  const std::string payload =
      replace_once(read_text(ts::source_dir() + "/mappings/dgsn/cases/identity.full.xml"),
                   ">VALIDE<", ">RETIREE<");
  auto r = call("admin", "POST", "/admin/v1/drafts/" + mapping + "/dry-run",
                "{\"payload\":" + json_str(payload) + "}", &other);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(ts::str(r.body, "/output/card/status"), "cancelled") << r.raw;
  auto v2 = call("admin", "GET", std::string("/admin/v1/mappings/") + kTable + "/versions/2");
  EXPECT_EQ(ts::str(v2.body, "/file"), "tables/dgsn_card_status.yaml");
  EXPECT_EQ(ts::str(v2.body, "/author"), "hub-admin");
  EXPECT_EQ(ts::str(v2.body, "/approver"), "hub-admin2");
  EXPECT_EQ(v2.body["parent"].GetInt64(), 1);
}

// A table edit that breaks a mapping's golden cases is refused as a mapping edit is, naming the
// mapping and its failing case; what only a mapping has (a dry-run) is refused on a table.
TEST_P(Workbench, ATableEditThatBreaksAMappingCannotBePublished) {
  const std::string draft = new_draft("admin", kTable);
  // identity.unknown_card_state expects SUSPENDUE to be no code of the table.
  ASSERT_EQ(edit(draft, table_ + "  SUSPENDUE: cancelled\n").status, 200u);
  auto cases = call("admin", "POST", "/admin/v1/drafts/" + draft + "/cases/run");
  ASSERT_EQ(cases.status, 200u) << cases.raw;
  EXPECT_EQ(cases.body["failed"].GetInt(), 1) << cases.raw;
  auto ask = call("admin", "POST", "/admin/v1/drafts/" + draft + "/publish",
                  R"({"reason":"should not pass"})");
  EXPECT_EQ(ask.status, 422u) << ask.raw;
  EXPECT_EQ(ts::str(ask.body, "/error/code"), "draft_failing") << ask.raw;
  ASSERT_TRUE(ask.body["error"].HasMember("details")) << ask.raw;
  EXPECT_EQ(ts::str(ask.body, "/error/details/failed_mappings/0"), kMapping) << ask.raw;
  EXPECT_EQ(ts::str(ask.body, "/error/details/failed_cases/0"), "identity.unknown_card_state.xml")
      << ask.raw;
  auto dry =
      call("admin", "POST", "/admin/v1/drafts/" + draft + "/dry-run", R"({"payload":"<x/>"})");
  EXPECT_EQ(dry.status, 409u) << dry.raw;
  EXPECT_EQ(ts::str(dry.body, "/error/code"), "not_a_mapping") << dry.raw;
  // A table that does not read is refused with its position.
  auto bad = edit(draft, "description: x\nentries:\n  VALIDE: [valid]\n");
  ASSERT_EQ(bad.status, 200u) << bad.raw;
  ASSERT_GT(bad.body["diagnostics"].Size(), 0u) << bad.raw;
  EXPECT_EQ(ts::str(bad.body, "/diagnostics/0/file"), "tables/dgsn_card_status.yaml") << bad.raw;
  EXPECT_EQ(bad.body["diagnostics"][0]["line"].GetInt(), 3) << bad.raw;
  EXPECT_EQ(call("admin", "GET", std::string("/admin/v1/mappings/") + kTable + "/versions")
                .body["versions"]
                .Size(),
            1u);
}

// A table draft that is no map at all (a scalar, as a slip of the editor gives) is a diagnostic
// at its line, and the hub that validated it still serves: it aborted on yaml-cpp's BadSubscript.
TEST_P(Workbench, ATableDraftThatIsNoMapIsADiagnosticNotACrash) {
  const std::string draft = new_draft("admin", kTable);
  auto bad = edit(draft, "oops\n");
  ASSERT_EQ(bad.status, 200u) << bad.raw;
  ASSERT_GT(bad.body["diagnostics"].Size(), 0u) << bad.raw;
  EXPECT_EQ(ts::str(bad.body, "/diagnostics/0/code"), "bad_value") << bad.raw;
  EXPECT_EQ(bad.body["diagnostics"][0]["line"].GetInt(), 1) << bad.raw;
  auto validated = call("admin", "POST", "/admin/v1/drafts/" + draft + "/validate");
  EXPECT_EQ(validated.status, 200u) << validated.raw;
  // A misspelt key is named, not read as no default.
  auto typo = edit(draft, table_ + "defualt: valid\n");
  ASSERT_EQ(typo.status, 200u) << typo.raw;
  ASSERT_GT(typo.body["diagnostics"].Size(), 0u) << typo.raw;
  EXPECT_EQ(ts::str(typo.body, "/diagnostics/0/code"), "unknown_key") << typo.raw;
  EXPECT_EQ(call("agency", "GET", "/healthz").status, 200u) << "the hub is down";
}

// Right after the seed, `cnss-hub mapping export` gives back the mappings folder byte for byte:
// every mapping, golden case and code table (the canonical model copied beside them).
TEST_P(Workbench, ExportAfterASeedIsTheMappingsFolder) {
  const std::string out = ts::temp_dir("cnss-workbench-export");
  auto ex = ts::run_command({ts::binary_dir() + "/bin/cnss-hub", "mapping", "export", "--config",
                             hub_->config_file(), out});
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_NE(ex.output.find("table.dgsn_card_status\tversion 1\ttables/dgsn_card_status.yaml"),
            std::string::npos)
      << ex.output;
  auto diff = ts::run_command({"diff", "-r", ts::source_dir() + "/mappings", out});
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
  std::filesystem::remove_all(out);
}

// `cnss-hub check` on a configuration with mappings_from: store checks the store's published set
// (not the folder): valid as seeded; a version that does not compile (written to the store behind
// the workbench's back) is reported at its file:line:col, with exit status 2.
TEST_P(Workbench, CheckValidatesTheStoresPublishedSet) {
  const std::string hub_bin = ts::binary_dir() + "/bin/cnss-hub";
  auto ok = ts::run_command({hub_bin, "check", "--config", hub_->config_file()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto store = hub::store::open(db_->options());
  ASSERT_TRUE(store) << store.error().message;
  auto v = hub::workbench::version_of(**store, kMapping, 1);
  ASSERT_TRUE(v) << v.error().message;
  v->meta = {kMapping, 0, 1, "publish", "test", "test", "broken on purpose", "", 0};
  v->files.yaml = replace_once(yaml_, "[collapse_spaces]", "[nope]");
  ASSERT_TRUE(hub::workbench::add_version(**store, *v, 1));
  const int line = line_of(v->files.yaml, "    transform: [nope]");
  ASSERT_GT(line, 0);
  auto bad = ts::run_command({hub_bin, "check", "--config", hub_->config_file()});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("the store's published set (version 2)"), std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("dgsn/identity.yaml:" + std::to_string(line) + ":"), std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("mappings_invalid"), std::string::npos) << bad.output;
}

INSTANTIATE_TEST_SUITE_P(Engines, Workbench, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
