// The broker over fake partners (broker_rig.hpp: real TLS on loopback, a fake adapter, the
// project's dgi.taxpayer mapping): the steps of a round asked at once, rounds for steps that need
// another's record, a partial answer when a partner fails or is late, retries inside the deadline,
// per-field provenance, conflicts listed, the cache (fresh, shared, stale) and the refusals made
// without a call.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <atomic>

#include "broker_rig.hpp"

namespace {
using namespace std::chrono_literals;
using broker_rig::FakePartner;
using broker_rig::Reply;
using broker_rig::Rig;
using hub::exchange::PrefillResult;
using hub::exchange::StepOutcome;

const std::string kIce = "001561191000066";

// Answers every request with the taxpayer `name`, its ICE the request's id.
broker_rig::Script taxpayer(const std::string& name, Reply base = {}) {
  return [name, base](const hub::http::Request& req) {
    Reply r = base;
    const std::string target(req.target());
    r.body = broker_rig::taxpayer_json("40123456", target.substr(target.find('=') + 1), name);
    return r;
  };
}

broker_rig::Script status(unsigned code, std::string body = "") {
  return [code, body](const hub::http::Request&) {
    Reply r;
    r.status = code;
    r.body = body;
    return r;
  };
}

// A recipe "r" of the given steps over the given partners.
hub::config::HubConfig config(std::vector<hub::config::PartnerEndpoint> partners,
                              std::vector<hub::config::RecipeStep> steps) {
  hub::config::HubConfig c;
  c.partners = std::move(partners);
  c.exchange.recipes["r"].name = "r";
  c.exchange.recipes["r"].steps = std::move(steps);
  return c;
}

// Steps "a" and "b" in one round: partners "alpha" (on `a`) and "beta" (on `b`).
hub::config::HubConfig side_by_side(const FakePartner& a, const FakePartner& b) {
  return config({broker_rig::partner("alpha", a), broker_rig::partner("beta", b)},
                {broker_rig::step("a", "alpha"), broker_rig::step("b", "beta")});
}

rapidjson::Document parsed(const PrefillResult& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  EXPECT_FALSE(d.HasParseError()) << r.body;
  return d;
}

std::string at(const rapidjson::Document& d, const char* pointer) {
  const auto* v = rapidjson::Pointer(pointer).Get(d);
  return v && v->IsString() ? v->GetString() : "(absent)";
}

const StepOutcome& step(const PrefillResult& r, const std::string& as) {
  for (const auto& s : r.steps) {
    if (s.step == as) return s;
  }
  ADD_FAILURE() << "no step " << as;
  static const StepOutcome none;
  return none;
}

TEST(Broker, AsksTheStepsOfARoundAtOnce) {
  // Each answers only once both requests are in flight: asked one after the other, the first
  // would wait a second for the second and the partner would never see two at once.
  Reply together;
  together.answer_when_in_flight = 2;
  FakePartner server(taxpayer("ATLAS", together));
  Rig rig(side_by_side(server, server));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(step(r, "a").status, "ok");
  EXPECT_EQ(step(r, "b").status, "ok");
  EXPECT_EQ(server.most_in_flight(), 2u);
  EXPECT_EQ(server.calls(), 2u);
}

TEST(Broker, AStepThatNeedsAnotherRecordRunsInTheNextRoundWithItsValue) {
  std::string asked;
  FakePartner first(taxpayer("ATLAS"));
  FakePartner second([&asked](const hub::http::Request& req) {
    asked = std::string(req.target());
    Reply r;
    r.body = broker_rig::taxpayer_json("40123456", "002233445000042", "ATLAS");
    return r;
  });
  Rig rig(
      config({broker_rig::partner("alpha", first), broker_rig::partner("beta", second)},
             {broker_rig::step("b", "beta", "{a:/fiscal_id}"), broker_rig::step("a", "alpha")}));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(step(r, "b").status, "ok");
  EXPECT_EQ(asked, "/lookup?id=40123456");  // a's record's fiscal_id, not the query's id
}

TEST(Broker, AStepWhoseDependencyFoundNothingIsSkippedAndNotFoundIs404) {
  FakePartner first(status(404, R"({"erreur":{"code":"CONTRIBUABLE_INTROUVABLE","message":"x"}})"));
  FakePartner second(taxpayer("ATLAS"));
  Rig rig(config({broker_rig::partner("alpha", first), broker_rig::partner("beta", second)},
                 {broker_rig::step("a", "alpha"), broker_rig::step("b", "beta", "{a:/ice}")}));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 404u) << r.body;
  EXPECT_EQ(step(r, "a").error->code, hub::Errc::not_found);
  EXPECT_EQ(step(r, "b").status, "skipped");
  EXPECT_EQ(step(r, "b").error->detail, "dependency_failed");
  EXPECT_EQ(second.calls(), 0u);
}

TEST(Broker, OnePartnerFailingGivesThePartialRecordAndItsTypedError) {
  FakePartner good(taxpayer("ATLAS"));
  FakePartner bad(status(503, "down for maintenance"));
  Rig rig(side_by_side(good, bad));
  const auto r = rig.prefill("r", kIce);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& failed = step(r, "b");
  EXPECT_EQ(failed.status, "error");
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, hub::Errc::partner_unavailable);
  const auto d = parsed(r);
  EXPECT_EQ(at(d, "/record/a/company_name"), "ATLAS");
  EXPECT_FALSE(rapidjson::Pointer("/record/b").Get(d)) << r.body;
  EXPECT_EQ(at(d, "/partners/alpha/status"), "ok");
  EXPECT_EQ(at(d, "/partners/beta/status"), "error");
  EXPECT_EQ(at(d, "/partners/beta/error/code"), "partner_unavailable");
}

TEST(Broker, APartnerPastTheDeadlineIsATimeoutAndTheOthersAnswerStands) {
  Reply late;
  late.delay = 3s;
  FakePartner good(taxpayer("ATLAS"));
  FakePartner slow(taxpayer("ATLAS", late));
  auto c = side_by_side(good, slow);
  c.exchange.deadline = 400ms;
  Rig rig(c);
  const auto started = std::chrono::steady_clock::now();
  const auto r = rig.prefill("r", kIce);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(step(r, "a").status, "ok");
  ASSERT_TRUE(step(r, "b").error);
  EXPECT_EQ(step(r, "b").error->code, hub::Errc::timeout);
  EXPECT_LT(took, 2s);  // the deadline's, not the partner's 3 s
}

TEST(Broker, EveryPartnerFailingIs503WithRetryAfter) {
  FakePartner bad(status(500, "oops"));
  Rig rig(config({broker_rig::partner("alpha", bad)}, {broker_rig::step("a", "alpha")}));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 503u);
  EXPECT_GE(r.retry_after, 1s);
}

TEST(Broker, ATransientFailureIsRetriedInsideTheDeadline) {
  std::atomic<int> seen{0};
  FakePartner flaky([&seen](const hub::http::Request&) {
    Reply r;
    if (seen++ == 0) {
      r.status = 503;
      return r;
    }
    r.body = broker_rig::taxpayer_json("40123456", kIce, "ATLAS");
    return r;
  });
  auto alpha = broker_rig::partner("alpha", flaky);
  alpha.retry.max_attempts = 3;
  alpha.retry.base = 10ms;
  alpha.retry.max = 20ms;
  Rig rig(config({alpha}, {broker_rig::step("a", "alpha")}));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(step(r, "a").status, "ok");
  EXPECT_EQ(step(r, "a").attempts, 2);
  EXPECT_EQ(flaky.calls(), 2u);
}

TEST(Broker, NoRetryThatCouldNotEndBeforeTheDeadline) {
  FakePartner bad(status(503));
  auto alpha = broker_rig::partner("alpha", bad);
  alpha.retry.max_attempts = 5;
  alpha.retry.base = 1000ms;  // a backoff longer than the whole deadline
  alpha.retry.max = 1000ms;
  auto c = config({alpha}, {broker_rig::step("a", "alpha")});
  c.exchange.deadline = 300ms;
  Rig rig(c);
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(step(r, "a").attempts, 1);
  EXPECT_EQ(bad.calls(), 1u);
}

TEST(Broker, ARateLimitedPartnerGives429WithItsRetryAfter) {
  FakePartner rationed([](const hub::http::Request&) {
    Reply r;
    r.status = 429;
    r.retry_after = "7";
    return r;
  });
  Rig rig(config({broker_rig::partner("alpha", rationed)}, {broker_rig::step("a", "alpha")}));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.retry_after, 7s);
  // The partner asked to wait: the next prefill does not ask it.
  const auto again = rig.prefill("r", "002233445000042");
  EXPECT_EQ(again.status, 429u);
  EXPECT_EQ(rationed.calls(), 1u);
}

TEST(Broker, EveryFieldHasItsPartnerMappingAndSourcePath) {
  FakePartner first(taxpayer("ATLAS"));
  FakePartner second(taxpayer("ATLAS"));
  Rig rig(side_by_side(first, second));
  const auto r = rig.prefill("r", kIce);
  const auto d = parsed(r);
  EXPECT_EQ(at(d, "/provenance/~1a~1company_name/partner"), "alpha");
  EXPECT_EQ(at(d, "/provenance/~1a~1company_name/mapping"), "dgi.taxpayer");
  EXPECT_EQ(at(d, "/provenance/~1a~1company_name/source"), "raisonSociale");
  EXPECT_EQ(at(d, "/provenance/~1b~1fiscal_id/partner"), "beta");
  EXPECT_EQ(at(d, "/provenance/~1b~1fiscal_id/source"), "identifiantFiscal");
  EXPECT_EQ(at(d, "/provenance/~1b~1fiscal_id/correlation_id"),
            "0b7c6a52-1f0e-4a3b-9a8e-3c2d1b0a9f87");
}

TEST(Broker, PartnersThatDisagreeAreListedAsAConflict) {
  FakePartner first(taxpayer("ATLAS LOGISTIQUE"));
  FakePartner second(taxpayer("ATLAS TRANSPORT"));
  auto c = side_by_side(first, second);
  c.exchange.recipes["r"].conflicts = {{"company_name", {"a:/company_name", "b:/company_name"}}};
  Rig rig(c);
  const auto d = parsed(rig.prefill("r", kIce));
  EXPECT_EQ(at(d, "/conflicts/0/field"), "company_name");
  EXPECT_EQ(at(d, "/conflicts/0/values/0/partner"), "alpha");
  EXPECT_EQ(at(d, "/conflicts/0/values/0/value"), "ATLAS LOGISTIQUE");
  EXPECT_EQ(at(d, "/conflicts/0/values/1/value"), "ATLAS TRANSPORT");
  EXPECT_EQ(at(d, "/record/a/company_name"), "ATLAS LOGISTIQUE");  // neither value is dropped
  EXPECT_EQ(at(d, "/record/b/company_name"), "ATLAS TRANSPORT");
}

TEST(Broker, AFreshAnswerIsServedFromTheCacheUnlessNoCacheIsAsked) {
  FakePartner server(taxpayer("ATLAS"));
  Rig rig(config({broker_rig::partner("alpha", server)}, {broker_rig::step("a", "alpha")}));
  const auto first = rig.prefill("r", kIce);
  EXPECT_EQ(step(first, "a").status, "ok");
  const auto second = rig.prefill("r", kIce);
  EXPECT_EQ(step(second, "a").status, "cached");
  EXPECT_EQ(step(second, "a").attempts, 0);
  EXPECT_EQ(at(parsed(second), "/record/a/company_name"), "ATLAS");
  EXPECT_EQ(server.calls(), 1u);
  // Another identifier is another answer; no-cache asks the partner again.
  rig.prefill("r", "002233445000042");
  EXPECT_EQ(server.calls(), 2u);
  hub::exchange::Caller fresh;
  fresh.no_cache = true;
  EXPECT_EQ(step(rig.prefill("r", kIce, fresh), "a").status, "ok");
  EXPECT_EQ(server.calls(), 3u);
}

// A bulk job's call (docs/jobs.md "Sharing the partners with the agents") reads the cache an
// agent's prefills filled, but never fills it: with room for one answer, a job asking for
// another company leaves the agent's answer where it was, and asks again next time.
TEST(Broker, AJobReadsTheCacheButNeitherFillsItNorPushesAnAgentsAnswerOut) {
  FakePartner server(taxpayer("ATLAS"));
  auto alpha = broker_rig::partner("alpha", server);
  alpha.cache.max_entries = 1;
  Rig rig(config({alpha}, {broker_rig::step("a", "alpha")}));
  hub::exchange::Caller job;
  job.priority = hub::http::Priority::bulk;
  ASSERT_EQ(step(rig.prefill("r", kIce), "a").status, "ok");  // an agent's: cached
  EXPECT_EQ(step(rig.prefill("r", kIce, job), "a").status, "cached") << "a job reads the cache";
  EXPECT_EQ(server.calls(), 1u);
  const std::string other = "002233445000042";
  EXPECT_EQ(step(rig.prefill("r", other, job), "a").status, "ok");
  EXPECT_EQ(step(rig.prefill("r", kIce), "a").status, "cached")
      << "the job's answer pushed the agent's out of the cache";
  EXPECT_EQ(step(rig.prefill("r", other, job), "a").status, "ok") << "a job filled the cache";
  EXPECT_EQ(server.calls(), 3u);
}

TEST(Broker, AnAnswerIsCachedForItsPurposeOnly) {
  FakePartner server(taxpayer("ATLAS"));
  auto alpha = broker_rig::partner("alpha", server);
  alpha.purposes = {"AFFILIATION", "CONTROLE"};
  Rig rig(config({alpha}, {broker_rig::step("a", "alpha")}));
  rig.prefill("r", kIce);
  rig.purpose = "CONTROLE";
  EXPECT_EQ(step(rig.prefill("r", kIce), "a").status, "ok");
  EXPECT_EQ(server.calls(), 2u);
}

TEST(Broker, AnExpiredAnswerIsServedStaleWhenThePartnerFails) {
  FakePartner server(taxpayer("ATLAS"));
  auto alpha = broker_rig::partner("alpha", server);
  alpha.cache.ttl = 0s;  // expired at once, within the stale grace
  Rig rig(config({alpha}, {broker_rig::step("a", "alpha")}));
  ASSERT_EQ(step(rig.prefill("r", kIce), "a").status, "ok");
  server.set_script(status(503));
  const auto r = rig.prefill("r", kIce);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(step(r, "a").status, "stale");
  const auto d = parsed(r);
  EXPECT_EQ(at(d, "/record/a/company_name"), "ATLAS");
  EXPECT_EQ(at(d, "/partners/alpha/error/code"), "partner_unavailable");
  EXPECT_NE(at(d, "/partners/alpha/as_of"), "(absent)");
}

TEST(Broker, RequestsAskingTheSameThingAtOnceShareOneCall) {
  Reply slow;
  slow.delay = 100ms;
  FakePartner server(taxpayer("ATLAS", slow));
  Rig rig(config({broker_rig::partner("alpha", server)}, {broker_rig::step("a", "alpha")}));
  const auto all = rig.prefill_together("r", kIce, 3);
  int shared = 0;
  for (const auto& r : all) {
    EXPECT_EQ(r.status, 200u);
    shared += step(r, "a").attempts == 0 ? 1 : 0;
  }
  EXPECT_EQ(server.calls(), 1u);
  EXPECT_EQ(shared, 2);
}

TEST(Broker, APurposeThePartnerDoesNotTakeIsRefusedWithoutACall) {
  FakePartner server(taxpayer("ATLAS"));
  auto alpha = broker_rig::partner("alpha", server);
  alpha.purposes = {"CONTROLE"};
  Rig rig(config({alpha}, {broker_rig::step("a", "alpha")}));
  const auto r = rig.prefill("r", kIce);
  ASSERT_TRUE(step(r, "a").error);
  EXPECT_EQ(step(r, "a").error->code, hub::Errc::forbidden_purpose);
  EXPECT_EQ(server.calls(), 0u);
}

TEST(Broker, AStepForOtherCategoriesIsLeftOut) {
  FakePartner server(taxpayer("ATLAS"));
  auto steps = std::vector{broker_rig::step("a", "alpha"), broker_rig::step("b", "alpha")};
  steps[1].only_for_categories = {"AMO_TADAMON"};
  Rig rig(config({broker_rig::partner("alpha", server)}, steps));
  const auto r = rig.prefill("r", kIce);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].step, "a");
}

TEST(Broker, AMissingQueryParameterIsTheCallersInvalidInput) {
  FakePartner server(taxpayer("ATLAS"));
  Rig rig(
      config({broker_rig::partner("alpha", server)}, {broker_rig::step("a", "alpha", "{siren}")}));
  const auto r = rig.prefill("r", kIce);
  ASSERT_TRUE(step(r, "a").error);
  EXPECT_EQ(step(r, "a").error->code, hub::Errc::invalid_input);
  EXPECT_EQ(server.calls(), 0u);
}

TEST(Broker, AnUnknownRecipeIsTheHubsOwnFault) {
  FakePartner server(taxpayer("ATLAS"));
  Rig rig(config({broker_rig::partner("alpha", server)}, {broker_rig::step("a", "alpha")}));
  EXPECT_EQ(rig.prefill("nope", kIce).status, 500u);
  EXPECT_TRUE(rig.broker().has_recipe("r"));
  EXPECT_FALSE(rig.broker().has_recipe("nope"));
}

}  // namespace
