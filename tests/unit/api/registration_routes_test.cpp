// The registration routes through the router: roles, Idempotency-Key replays, ETag and
// If-Match, point-in-time query, errors with their field path, and the statuses the registry's
// typed outcomes become.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "hub/api/registration_http.hpp"
#include "hub/api/registration_routes.hpp"
#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

namespace bhttp = boost::beast::http;

class RoutesTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped()) return;
    facts_.people["BK123456"] = facts_with_provenance(
        with_section(person_record("BK123456", "EL AMRANI", "Fatima Zahra", "F", "1985-03-14"),
                     "household", household_record(true)),
        R"({"family":{"status":"not_found"}})");
    registry_->run_store_calls_on(&pool_);
    api::add_registration_routes(router_, *registry_, pool_);
  }

  http::Response call(bhttp::verb method, const std::string& target, const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      const http::Principal* who = nullptr) {
    http::Request req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::RequestContext ctx;
    ctx.correlation_id = "corr-http";
    ctx.principal = who ? who : &agency_;
    boost::asio::io_context ioc;
    http::Response res;
    boost::asio::co_spawn(
        ioc, [&]() -> boost::asio::awaitable<void> { res = co_await router_.dispatch(req, ctx); },
        boost::asio::detached);
    ioc.run();
    return res;
  }

  static json::Doc json_of(const http::Response& res) {
    auto d = json::parse(res.body());
    return d ? std::move(*d) : json::object();
  }

  StorePool pool_{2};  // store calls run on it, as in the hub
  http::Router router_;
  http::Principal agency_{"agency-casa-anfa", {"registration"}};
  http::Principal partner_{"dgsn", {"partner"}};
};

TEST_P(RoutesTest, RegisterReadAndReplay) {
  const std::string body =
      R"({"cnie":"BK123456","category":"AMO_TADAMON","rib":")" + std::string(kRib) + "\"}";
  auto first = call(bhttp::verb::post, "/v1/insured", body, {{"Idempotency-Key", "abc-1"}});
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  EXPECT_EQ(first[bhttp::field::etag], "\"1\"");
  const auto number = json::text(json_of(first), "/immatriculation").value_or("");

  // A retry (the answer was lost) gets the first answer, and nothing is registered twice.
  auto retry = call(bhttp::verb::post, "/v1/insured", body, {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(retry.result_int(), 201u);
  EXPECT_EQ(retry.body(), first.body());
  EXPECT_EQ(retry["Idempotent-Replayed"], "true");
  EXPECT_EQ(facts_.calls, 1);
  auto reused = call(bhttp::verb::post, "/v1/insured",
                     R"({"cnie":"BK123456","category":"SALARIE"})", {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(reused.result_int(), 422u);
  EXPECT_EQ(json::text(json_of(reused), "/error/code"), "idempotency_key_reused");

  auto read = call(bhttp::verb::get, "/v1/insured/" + number);
  EXPECT_EQ(read.result_int(), 200u);
  EXPECT_EQ(read.body(), first.body());
  auto by_cnie = call(bhttp::verb::get, "/v1/insured?cnie=BK123456");
  EXPECT_EQ(by_cnie.result_int(), 200u);
  auto history = call(bhttp::verb::get, "/v1/insured/" + number + "/history");
  EXPECT_EQ(history.result_int(), 200u);
  EXPECT_EQ(json::find(json_of(history), "/events")->Size(), 1u);
  auto past = call(bhttp::verb::get, "/v1/insured/" + number + "?as_of=2020-01-01");
  EXPECT_EQ(past.result_int(), 404u);
  auto bad_date = call(bhttp::verb::get, "/v1/insured/" + number + "?as_of=yesterday");
  EXPECT_EQ(bad_date.result_int(), 400u);
  EXPECT_EQ(json::text(json_of(bad_date), "/error/message"), "/as_of: must be a date YYYY-MM-DD");
  auto family = call(bhttp::verb::get, "/v1/insured/" + number + "/family");
  EXPECT_EQ(family.result_int(), 200u) << family.body();
}

TEST_P(RoutesTest, IfMatchAndErrorsWithFieldPaths) {
  auto created =
      call(bhttp::verb::post, "/v1/insured", R"({"cnie":"BK123456","category":"SALARIE"})");
  ASSERT_EQ(created.result_int(), 201u);
  const auto number = json::text(json_of(created), "/immatriculation").value_or("");
  auto bad = call(bhttp::verb::put, "/v1/insured/" + number + "/rib",
                  R"({"rib":"001810007800020110620319"})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_EQ(json::text(json_of(bad), "/error/code"), "invalid_input");
  EXPECT_EQ(json::text(json_of(bad), "/error/message"), "/rib: key does not match");
  EXPECT_EQ(json::text(json_of(bad), "/error/correlation_id"), "corr-http");
  auto ok = call(bhttp::verb::put, "/v1/insured/" + number + "/rib",
                 R"({"rib":")" + std::string(kRib) + "\"}", {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.result_int(), 200u) << ok.body();
  EXPECT_EQ(ok[bhttp::field::etag], "\"2\"");
  auto stale = call(bhttp::verb::put, "/v1/insured/" + number + "/contact",
                    R"({"contact":{"email":"a@b.ma"}})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.result_int(), 412u);
  auto garbage = call(bhttp::verb::put, "/v1/insured/" + number + "/contact",
                      R"({"contact":{"email":"a@b.ma"}})", {{"If-Match", "yesterday"}});
  EXPECT_EQ(garbage.result_int(), 400u);
  auto wrong_number = call(bhttp::verb::get, "/v1/insured/123456789");
  EXPECT_EQ(wrong_number.result_int(), 400u);
  auto missing = call(bhttp::verb::get, "/v1/employers?ice=001561191000066");
  EXPECT_EQ(missing.result_int(), 404u);
}

TEST_P(RoutesTest, RolesAreChecked) {
  auto refused = call(bhttp::verb::post, "/v1/insured",
                      R"({"cnie":"BK123456","category":"SALARIE"})", {}, &partner_);
  EXPECT_EQ(refused.result_int(), 403u);
  auto job = call(bhttp::verb::post, "/v1/registry/jobs/eligibility");
  EXPECT_EQ(job.result_int(), 403u) << "the job needs the admin role";
  http::Principal admin{"hub-admin", {"admin", "registration"}};
  auto ran = call(bhttp::verb::post, "/v1/registry/jobs/eligibility", "", {}, &admin);
  EXPECT_EQ(ran.result_int(), 200u);
  EXPECT_EQ(ran.body(), R"({"events_appended":0})");
}

// A card request is a creation, first and replayed (the replay once answered 200).
TEST_P(RoutesTest, ACardRequestIsACreationWhenReplayedToo) {
  auto created =
      call(bhttp::verb::post, "/v1/insured", R"({"cnie":"BK123456","category":"SALARIE"})");
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  const auto number = json::text(json_of(created), "/immatriculation").value_or("");
  const std::string target = "/v1/insured/" + number + "/cards";
  auto card = call(bhttp::verb::post, target, R"({"reason":"first"})", {{"Idempotency-Key", "c1"}});
  EXPECT_EQ(card.result_int(), 201u) << card.body();
  EXPECT_EQ(card[bhttp::field::etag], "\"2\"");
  auto again =
      call(bhttp::verb::post, target, R"({"reason":"first"})", {{"Idempotency-Key", "c1"}});
  EXPECT_EQ(again.result_int(), 201u) << again.body();
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  EXPECT_EQ(again.body(), card.body());
  EXPECT_EQ(again[bhttp::field::etag], "\"2\"");
}

// The registry's refusal with the partner's answer: 422, its code, and the answer as "details".
TEST_P(RoutesTest, AnIneligibleHouseholdIs422NotEligibleWithAnrcsAnswer) {
  facts_.people["AB654321"] = facts_with_provenance(
      with_section(person_record("AB654321", "BENJELLOUN", "Youssef", "M", "1981-11-02"),
                   "household", household_record(false)));
  auto r =
      call(bhttp::verb::post, "/v1/insured", R"({"cnie":"AB654321","category":"AMO_TADAMON"})");
  EXPECT_EQ(r.result_int(), 422u) << r.body();
  const auto b = json_of(r);
  EXPECT_EQ(json::text(b, "/error/code"), "not_eligible");
  EXPECT_EQ(json::text(b, "/error/correlation_id"), "corr-http");
  EXPECT_EQ(json::dump(*json::find(b, "/error/details/index")), "9.4012");
  EXPECT_EQ(json::dump(*json::find(b, "/error/details/threshold")), "9.3264284");
  EXPECT_EQ(json::text(b, "/error/details/since"), "2026-06-30");
  EXPECT_EQ(json::text(b, "/error/details/household_id"), "M-2024-00731455");
  // Other errors keep their shape: code, message, correlation_id.
  auto bad = call(bhttp::verb::get, "/v1/insured/123456789");
  EXPECT_EQ(json::find(json_of(bad), "/error")->MemberCount(), 3u) << bad.body();
}

// An answer stored before outcomes were typed (an HTTP status and an ETag) is replayed as it was
// first given: the stored form changed without a migration.
TEST_P(RoutesTest, AnAnswerStoredBeforeTypedOutcomesIsReplayedUnchanged) {
  const std::string body = R"({"cnie":"BK123456","category":"SALARIE"})";
  const std::string first = R"({"immatriculation":"000000018","status":"ACTIVE","version":1})";
  for (const auto& [key, status] :
       {std::pair<std::string, int>{"old-201", 201}, {"old-200", 200}}) {
    // The stored fingerprint of this very request, as the route computes it.
    http::Request probe{bhttp::verb::post, "/v1/insured", 11};
    probe.set("Idempotency-Key", key);
    probe.body() = body;
    http::RequestContext ctx;
    ctx.principal = &agency_;
    auto caller = api::caller_of(probe, ctx, "override");
    ASSERT_TRUE(caller);
    store::RecordCommit legacy;
    store::StreamWrite w;
    w.stream = streams::person("ZZ" + std::to_string(status));
    w.kind = std::string(streams::kPerson);
    store::RecordEvent e;
    e.type = "person.identified";
    e.data = "{}";
    w.events.push_back(e);
    w.state = "{}";
    legacy.writes.push_back(std::move(w));
    legacy.answer =
        store::IdempotentAnswer{agency_.name, key, caller->request_hash, status, first, "\"1\"", 0};
    ASSERT_TRUE(store_->commit_records(legacy));
    auto replay = call(bhttp::verb::post, "/v1/insured", body, {{"Idempotency-Key", key}});
    EXPECT_EQ(replay.result_int(), static_cast<unsigned>(status)) << replay.body();
    EXPECT_EQ(replay.body(), first);
    EXPECT_EQ(replay[bhttp::field::etag], "\"1\"");
    EXPECT_EQ(replay["Idempotent-Replayed"], "true");
  }
  EXPECT_EQ(facts_.calls, 0) << "a replay asks no partner";
}

INSTANTIATE_TEST_SUITE_P(Engines, RoutesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
