// The events inbox over a real store (both engines) and the project's mappings, with a fake
// applier: an event goes to the operation of the kind its source's mapping reads, whoever the
// partner; a failure that may pass is applied again later, a final one is not; a redelivery is
// not applied again; and the inbox refuses to start with a source whose kind nothing applies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hub/events/inbox.hpp"
#include "hub/events/records.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/json.hpp"
#include "unit/store/engines.hpp"

namespace hub::events {
namespace {

namespace json = registry::json;

class FakeApplier final : public Applier {
 public:
  struct Call {
    std::string kind;
    std::string record_json;
    std::string provenance_json;
    std::string principal;
  };
  std::vector<std::string> kinds() const override { return kinds_; }
  Result<rapidjson::Document> apply(std::string_view kind, const std::string& record_json,
                                    const std::string& provenance_json,
                                    const Delivery& delivery) override {
    calls.push_back({std::string(kind), record_json, provenance_json, delivery.principal});
    if (!failures.empty()) {
      Error e = failures.front();
      failures.erase(failures.begin());
      return e;
    }
    auto d = json::parse(R"({"applied":["insured/1"]})");  // the registry's shape
    return std::move(*d);
  }

  std::vector<std::string> waits_for(std::string_view, const std::string&) const override {
    return keys;
  }

  std::vector<std::string> kinds_ = {"civil_event", "company_event", "eligibility_change"};
  std::vector<std::string> keys;  // what every event waits for
  std::vector<Error> failures;    // answered in turn before the applications that succeed
  std::vector<Call> calls;
};

// Read once for the whole suite: compiling the project's mappings and running their cases.
std::shared_ptr<mapping::Catalog> project_mappings() {
  static std::shared_ptr<mapping::Catalog> catalog = [] {
    auto c = std::make_shared<mapping::Catalog>(std::string(CNSS_SOURCE_DIR) + "/mappings");
    auto report = c->reload();
    EXPECT_TRUE(report.ok());
    return c;
  }();
  return catalog;
}

std::string anrc_change(const std::string& id, const std::string& date = "2027-03-01") {
  return R"({"idEvenement":")" + id +
         R"(","type":"CHANGEMENT_ELIGIBILITE","programme":"AMO_TADAMON",)"
         R"("menage":"M-2024-00731455","membres":["BK123456"],"eligible":false,"dateEffet":")" +
         date + R"("})";
}

std::string dgct_death(const std::string& id) {
  return R"({"evenementId":")" + id +
         R"(","type":"DECES","dateActe":"2026-11-20","acte":{"numero":"77/2026","commune":"Fès"},)"
         R"("personne":{"nom":"EL AMRANI",)"
         R"("prenom":"Fatima","cnie":"BK123456","dateDeces":"2026-11-19"}})";
}

class InboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    auto s = store::open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    mappings_ = project_mappings();
    inbox_ = std::make_unique<Inbox>(
        std::vector<config::EventSource>{{"dgct", "dgct", "dgct.civil_event"},
                                         {"anrc", "anrc", "anrc.eligibility_event"}},
        *store_, *mappings_, applier_, clock_, nullptr, nullptr);
  }
  std::string status_of(const std::string& principal, const std::string& id) {
    auto s = inbox_->status(principal, id);
    if (!s) return "error: " + s.error().message;
    auto d = json::parse(s->body);
    return d ? json::text(*d, "/status").value_or("") : "";
  }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<mapping::Catalog> mappings_;
  FakeApplier applier_;
  registry::FixedClock clock_{registry::Date{2026, 11, 27}};
  std::unique_ptr<Inbox> inbox_;
};

TEST_P(InboxTest, AnEventGoesToTheOperationOfTheKindItsMappingReads) {
  auto a = inbox_->receive("anrc", anrc_change("anrc-1"), "corr-a");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->kind, Answer::Kind::recorded) << a->body;
  auto d = inbox_->receive("dgct", dgct_death("dgct-1"), "corr-d");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(applier_.calls.size(), 2u);
  EXPECT_EQ(applier_.calls[0].kind, "eligibility_change");
  EXPECT_NE(applier_.calls[0].record_json.find(R"("household_id":"M-2024-00731455")"),
            std::string::npos)
      << applier_.calls[0].record_json;
  EXPECT_NE(applier_.calls[0].provenance_json.find(R"("mapping":"anrc.eligibility_event")"),
            std::string::npos)
      << applier_.calls[0].provenance_json;
  EXPECT_EQ(applier_.calls[0].principal, "anrc");
  EXPECT_EQ(applier_.calls[1].kind, "civil_event");
  EXPECT_EQ(status_of("anrc", "anrc-1"), "applied");
}

TEST_P(InboxTest, ARedeliveryIsNotAppliedAgain) {
  ASSERT_EQ(inbox_->receive("anrc", anrc_change("anrc-2"), "c1")->kind, Answer::Kind::recorded);
  auto again = inbox_->receive("anrc", anrc_change("anrc-2"), "c2");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Answer::Kind::duplicate) << again->body;
  EXPECT_EQ(applier_.calls.size(), 1u);
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 1u) << "an applied event is not swept again";
}

TEST_P(InboxTest, AFailureThatMayPassIsAppliedAgainLaterAFinalOneIsNot) {
  applier_.failures = {make_error(Errc::conflict, "the record changed meanwhile")};
  ASSERT_EQ(inbox_->receive("anrc", anrc_change("anrc-3"), "c")->kind, Answer::Kind::recorded);
  EXPECT_EQ(status_of("anrc", "anrc-3"), "recorded");
  EXPECT_TRUE(inbox_->has_pending());
  auto swept = inbox_->apply_pending();
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(status_of("anrc", "anrc-3"), "applied");
  EXPECT_EQ(applier_.calls.size(), 2u);

  applier_.failures = {make_error(Errc::invalid_input, "/effective_date: is required")};
  ASSERT_EQ(inbox_->receive("anrc", anrc_change("anrc-4"), "c")->kind, Answer::Kind::recorded);
  EXPECT_EQ(status_of("anrc", "anrc-4"), "not_applicable");
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 3u) << "a final refusal is not applied again";
}

TEST_P(InboxTest, ASourceWhoseKindNothingAppliesIsRefusedAtStart) {
  EXPECT_TRUE(inbox_->check());
  applier_.kinds_ = {"civil_event", "company_event"};
  auto c = inbox_->check();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("'anrc'"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("eligibility_change"), std::string::npos) << c.error().message;
  // A delivery of that kind (a mapping reloaded with another target) is the hub's fault: 5xx,
  // nothing recorded, so that the partner delivers it again.
  auto r = inbox_->receive("anrc", anrc_change("anrc-5"), "c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::internal);
  EXPECT_EQ(status_of("anrc", "anrc-5").rfind("error", 0), 0u);
  EXPECT_TRUE(applier_.calls.empty());
}

Error awaiting() {
  return make_error(Errc::conflict, "/spouses: no family names either spouse yet",
                    "awaiting_facts");
}

// A family written with a member under `key` (what a booklet refresh, an agent's entry or an
// event applied commits).
void write_family(store::Store& s, const std::string& stream, const std::string& key) {
  auto rec = s.read_record(stream);
  ASSERT_TRUE(rec);
  store::StreamWrite w;
  w.stream = stream;
  w.kind = "family";
  w.expected_version = *rec ? (*rec)->version : 0;
  store::RecordEvent e;
  e.type = "family.changed";
  e.data = "{}";
  w.events.push_back(e);
  w.state = "{}";
  w.members = std::vector<store::MemberEntry>{{key, "k1"}};
  store::RecordCommit c;
  c.writes.push_back(std::move(w));
  ASSERT_TRUE(s.commit_records(c));
}

std::int64_t waiting_count(Inbox& inbox) {
  auto r = inbox.review("", 100);
  if (!r) return -1;
  auto d = json::parse(r->body);
  const json::Value* w = d ? json::find(*d, "/waiting") : nullptr;
  return w && w->IsInt64() ? w->GetInt64() : -1;
}

// Issue 19, kind 4: an event that matches nothing yet is kept and retried when the facts arrive
// — only then: sweeps while nothing is written do not try it again, whatever their number.
TEST_P(InboxTest, AWaitingEventIsTriedAgainOnlyWhenAFactItWaitsForIsWritten) {
  applier_.keys = {"cnie/WA100001", "insured-of/WA100001"};
  applier_.failures = {awaiting(), awaiting()};
  ASSERT_EQ(inbox_->receive("dgct", dgct_death("dgct-w1"), "c")->kind, Answer::Kind::recorded);
  EXPECT_EQ(status_of("dgct", "dgct-w1"), "waiting");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 1u) << "nothing was written: not tried again";
  EXPECT_EQ(waiting_count(*inbox_), 1) << "counted in the review queue";
  auto queue = inbox_->review("", 100);
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->body.find("dgct-w1"), std::string::npos) << "not listed: " << queue->body;

  write_family(*store_, "family/100000018", "cnie/ZZ999999");  // another person
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 1u) << "a fact about someone else";

  write_family(*store_, "family/100000026", "cnie/WA100001");
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 2u) << "a fact it waits for: tried again";
  EXPECT_EQ(status_of("dgct", "dgct-w1"), "waiting") << "still not applicable";
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 2u);

  // A new inbox (a restart, another node) on the same store: what waits is in the store.
  inbox_ = std::make_unique<Inbox>(
      std::vector<config::EventSource>{{"dgct", "dgct", "dgct.civil_event"}}, *store_, *mappings_,
      applier_, clock_, nullptr, nullptr);
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 2u);
  write_family(*store_, "family/100000026", "cnie/WA100001");  // the booklet refreshed
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 3u);
  EXPECT_EQ(status_of("dgct", "dgct-w1"), "applied");
  EXPECT_EQ(waiting_count(*inbox_), 0);
}

// An event applied to some of the people it names still waits for the others (a marriage kept
// for the family that names the other spouse later), and is applied again when one is written.
TEST_P(InboxTest, AnAppliedEventStillWaitsForThePeopleItDidNotConcernYet) {
  applier_.keys = {"cnie/WB100001", "cnie/WB100002"};
  ASSERT_EQ(inbox_->receive("dgct", dgct_death("dgct-w2"), "c")->kind, Answer::Kind::recorded);
  EXPECT_EQ(status_of("dgct", "dgct-w2"), "applied");
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 1u);
  write_family(*store_, "family/100000034", "cnie/WB100002");
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 2u) << "applied again for the family written since";
  EXPECT_EQ(status_of("dgct", "dgct-w2"), "applied");
  auto history = store_->record_events("partner-event/dgct/dgct-w2", 1LL << 60);
  ASSERT_TRUE(history);
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->back().type, "partner_event.applied_again")
      << history->size() << " " << history->back().data;
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 2u);
}

// A waiting event that no fact made applicable within the wait is closed not_concerned after a
// last attempt; an applied one then stops waiting. A refused one waits for nothing.
TEST_P(InboxTest, AWaitingEventNoFactConcernedIsClosedNotConcerned) {
  inbox_ = std::make_unique<Inbox>(
      std::vector<config::EventSource>{{"dgct", "dgct", "dgct.civil_event"}}, *store_, *mappings_,
      applier_, clock_, nullptr, nullptr, std::chrono::hours(24 * 30));
  applier_.keys = {"cnie/WC100001"};
  applier_.failures = {awaiting()};
  ASSERT_TRUE(inbox_->receive("dgct", dgct_death("dgct-w3"), "c"));
  ASSERT_TRUE(inbox_->receive("dgct", dgct_death("dgct-w4"), "c"));  // applied
  EXPECT_EQ(status_of("dgct", "dgct-w3"), "waiting");
  clock_.advance_ms(29LL * 86'400'000);
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(status_of("dgct", "dgct-w3"), "waiting") << "29 days: it still waits";
  EXPECT_EQ(applier_.calls.size(), 2u);
  clock_.advance_ms(2LL * 86'400'000);
  applier_.failures = {awaiting()};
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 3u) << "a last attempt";
  EXPECT_EQ(status_of("dgct", "dgct-w3"), "not_concerned");
  EXPECT_EQ(waiting_count(*inbox_), 0);
  auto history = store_->record_events("partner-event/dgct/dgct-w3", 1LL << 60);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back().type, "partner_event.not_concerned");
  write_family(*store_, "family/100000042", "cnie/WC100001");
  ASSERT_TRUE(inbox_->apply_pending());
  EXPECT_EQ(applier_.calls.size(), 3u) << "neither waits any more";
  auto listed = inbox_->list("dgct", "not_concerned", "", 10);
  ASSERT_TRUE(listed);
  EXPECT_NE(listed->body.find("dgct-w3"), std::string::npos) << listed->body;
}

// The sweep's cost with many waiting events (docs/performance.md, "Events that wait"): CPU per
// sweep with CNSS_BENCH_WAITING events (default 100,000) that wait on keys (now), and as many
// recorded events that await a fact with no key to wait on (what every waiting event was before:
// tried at every sweep). Run: build/tests/unit_events --gtest_also_run_disabled_tests
// --gtest_filter='*DISABLED_SweepCost*'
TEST_P(InboxTest, DISABLED_SweepCostWithManyWaitingEvents) {
  const char* env = std::getenv("CNSS_BENCH_WAITING");
  const int n = env ? std::atoi(env) : 100'000;
  applier_.keys = {"cnie/none"};
  auto fill = [&](const std::string& partner, bool keyed) {
    for (int i = 0; i < n; i += 1000) {
      store::RecordCommit c;
      for (int j = i; j < std::min(n, i + 1000); ++j) {
        const std::string id = partner + "-" + std::to_string(j);
        const std::string k = "cnie/BN" + std::to_string(100000 + j);
        const std::string status = keyed ? "waiting" : "recorded";
        const std::string state =
            R"({"partner":")" + partner + R"(","event_id":")" + id +
            R"(","entity":"civil_event","status":")" + status +
            R"(","record":{"type":"marriage"},"provenance":{},"awaiting":{"code":)"
            R"("awaiting_facts","message":"/spouses: no family names either spouse yet"}})";
        c.writes.push_back(
            commit_of({"partner-event/" + partner + "/" + id, "partner_event", 0,
                       "partner_event.received", partner, "", partner, "", "{}", state, 1, status,
                       keyed ? std::optional<store::Waits>(
                                   store::Waits{{k}, clock_.now_ms() + 86'400'000})
                             : std::nullopt})
                .writes.front());
      }
      ASSERT_TRUE(store_->commit_records(c));
    }
  };
  auto cpu_ms = [&] {
    applier_.failures.assign(static_cast<std::size_t>(n), awaiting());
    const std::clock_t start = std::clock();
    EXPECT_TRUE(inbox_->apply_pending());
    return 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  };
  fill("dgct", true);
  ASSERT_TRUE(inbox_->apply_pending());
  const double waiting = cpu_ms();
  const std::size_t calls = applier_.calls.size();
  std::cout << "[ waiting ] " << GetParam() << ": " << n << " events waiting on keys: " << waiting
            << " ms CPU per sweep, " << calls << " tried\n";
  write_family(*store_, "family/100000018", "cnie/BN100007");
  const double one = cpu_ms();
  std::cout << "[ waiting ] " << GetParam() << ": one family written: " << one << " ms CPU, "
            << applier_.calls.size() - calls << " tried\n";
  fill("anrc", false);
  applier_.keys.clear();
  const std::size_t before = applier_.calls.size();
  const double legacy = cpu_ms();
  std::cout << "[ waiting ] " << GetParam() << ": " << n
            << " events awaiting with no key (tried at every sweep, as before): " << legacy
            << " ms CPU per sweep, " << applier_.calls.size() - before << " tried\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, InboxTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::events
