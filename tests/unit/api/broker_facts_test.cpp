// The bridge from the broker's typed result to the registry's facts: each step becomes the
// section of its `as:` name, its mapped answer read once with its provenance; the partner's
// "unknown", its failures and the hub's own faults stay apart.
#include <gtest/gtest.h>

#include "hub/api/broker_facts.hpp"

namespace hub::api {
namespace {

using registry::Section;

exchange::StepOutcome answered(const std::string& step, const std::string& partner,
                               const std::string& record_json, const std::string& status = "ok") {
  auto a = std::make_shared<exchange::MappedAnswer>();
  a->partner = partner;
  a->mapping_id = partner + ".identity";
  a->mapping_version = 3;
  a->record_json = record_json;
  a->sources = {{"/last_name", "/Reponse/Nom"}};
  a->fetched_at = "2026-11-27T08:00:00Z";
  a->correlation_id = "corr-1";
  exchange::StepOutcome o;
  o.step = step;
  o.partner = partner;
  o.status = status;
  o.answer = std::move(a);
  o.attempts = 1;
  return o;
}

exchange::StepOutcome failed(const std::string& step, const std::string& partner, Error e) {
  exchange::StepOutcome o;
  o.step = step;
  o.partner = partner;
  o.error = std::move(e);
  return o;
}

TEST(BrokerFacts, EachStepIsTheSectionOfItsNameTyped) {
  exchange::PrefillResult r;
  r.steps.push_back(answered("person", "dgsn", R"({"last_name":"EL AMRANI","sex":"F"})"));
  r.steps.push_back(answered("household", "anrc", R"({"index":"9.1"})", "stale"));
  r.steps.push_back(failed("family", "dgct", make_error(Errc::not_found, "dgct: not found")));
  r.steps.push_back(failed("taxpayer", "dgi", make_error(Errc::timeout, "dgi: no answer")));
  r.steps.push_back(
      failed("company", "ompic", make_error(Errc::internal, "no mapping 'x'", "unknown_mapping")));
  auto facts = facts_of(r);
  ASSERT_TRUE(facts) << facts.error().message;
  ASSERT_EQ(facts->sections.size(), 5u);

  const Section* person = facts->section("person");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->status, Section::Status::ok);
  EXPECT_EQ(person->partner, "dgsn");
  EXPECT_EQ(registry::json::text(*person->record, "/last_name"), "EL AMRANI");
  EXPECT_EQ(person->provenance.mapping, "dgsn.identity");
  EXPECT_EQ(person->provenance.mapping_version, 3);
  EXPECT_EQ(person->provenance.fetched_at, "2026-11-27T08:00:00Z");
  EXPECT_EQ(person->provenance.correlation_id, "corr-1");
  ASSERT_EQ(person->sources.size(), 1u);
  EXPECT_EQ(person->sources[0].second, "/Reponse/Nom");

  const Section* household = facts->section("household");
  ASSERT_NE(household, nullptr);
  EXPECT_EQ(household->status, Section::Status::ok) << "a stale answer is still the answer";
  EXPECT_EQ(household->answered, "stale");

  EXPECT_EQ(facts->section("family")->status, Section::Status::not_found);
  EXPECT_EQ(facts->section("taxpayer")->status, Section::Status::unavailable);
  EXPECT_EQ(facts->section("taxpayer")->error->code, Errc::timeout);
  EXPECT_EQ(facts->section("company")->status, Section::Status::misconfigured);
  EXPECT_EQ(facts->section("company")->error->detail, "unknown_mapping");
  EXPECT_EQ(facts->section("employer"), nullptr) << "a step the recipe did not ask";
}

// When no step answered, every step is still a section, so that the registry's rules say what
// it means (unknown_person, rate_limited...): the hub's own fault stays the step's; the bridge's
// only errors are an unconfigured recipe and an unusable journal.
TEST(BrokerFacts, NoAnswerAtAllIsStillEveryStepsSection) {
  exchange::PrefillResult r;
  r.status = 429;
  r.steps.push_back(failed("person", "dgsn", make_error(Errc::rate_limited, "dgsn: wait")));
  r.steps.back().retry_after = std::chrono::milliseconds(1500);
  r.steps.push_back(failed("family", "dgct", make_error(Errc::not_found, "dgct: unknown")));
  r.steps.push_back(
      failed("taxpayer", "dgi", make_error(Errc::internal, "no mapping 'x'", "unknown_mapping")));
  auto facts = facts_of(r);
  ASSERT_TRUE(facts);
  const Section* person = facts->section("person");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->status, Section::Status::unavailable);
  EXPECT_EQ(person->error->code, Errc::rate_limited);
  EXPECT_EQ(person->error->retry_after, std::chrono::seconds(2)) << "rounded up, never down";
  EXPECT_EQ(facts->section("family")->status, Section::Status::not_found);
  EXPECT_EQ(facts->section("taxpayer")->status, Section::Status::misconfigured);
  EXPECT_EQ(facts->section("taxpayer")->error->detail, "unknown_mapping");

  r.status = 500;
  EXPECT_EQ(facts_of(r).error().code, Errc::internal);
  r.status = 200;
  r.error = make_error(Errc::journal_unavailable, "the journal is down");
  EXPECT_EQ(facts_of(r).error().code, Errc::journal_unavailable);
}

TEST(BrokerFacts, AMappedRecordThatIsNotAnObjectIsTheHubsFault) {
  exchange::PrefillResult r;
  r.steps.push_back(answered("person", "dgsn", "[1,2]"));
  auto facts = facts_of(r);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->section("person")->status, Section::Status::misconfigured);
  EXPECT_EQ(facts->section("person")->error->code, Errc::internal);
}

}  // namespace
}  // namespace hub::api
