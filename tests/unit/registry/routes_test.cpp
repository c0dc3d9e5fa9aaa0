// The registration routes through the router: roles, Idempotency-Key replays, ETag and
// If-Match, point-in-time query, and errors with their field path.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "hub/registry/routes.hpp"
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
        person_record("BK123456", "EL AMRANI", "Fatima Zahra", "F", "1985-03-14"),
        R"({"dgsn":{"status":"ok"},"dgct":{"status":"not_found"}})");
    registry_->run_store_calls_on(&pool_);
    add_registration_routes(router_, *registry_, pool_);
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

INSTANTIATE_TEST_SUITE_P(Engines, RoutesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
