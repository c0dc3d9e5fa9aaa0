// The events inbox over a real store (both engines) and the project's mappings, with a fake
// applier: an event goes to the operation of the kind its source's mapping reads, whoever the
// partner; a failure that may pass is applied again later, a final one is not; a redelivery is
// not applied again; and the inbox refuses to start with a source whose kind nothing applies.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hub/events/inbox.hpp"
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
    json::Doc d = json::object();
    json::set_string(d, "/applied/0", "insured/1");
    return d;
  }

  std::vector<std::string> kinds_ = {"civil_event", "company_event", "eligibility_change"};
  std::vector<Error> failures;  // answered in turn before the applications that succeed
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

INSTANTIATE_TEST_SUITE_P(Engines, InboxTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::events
