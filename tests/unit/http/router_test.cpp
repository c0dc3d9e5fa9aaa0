// The router's answers by method (RFC 9110 §9 and §15.5.6): the handler of the route, 405 with
// the path's methods in `Allow`, HEAD served by GET, OPTIONS answered from the routes, and the
// list of routes a listener serves; a query parameter given twice refused for every route.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "hub/http/router.hpp"

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using hub::http::Request;
using hub::http::RequestContext;
using hub::http::Response;

namespace {

hub::http::Handler answering(std::string body) {
  return [body](const Request& r, RequestContext&) -> asio::awaitable<Response> {
    co_return hub::http::text_response(200, body, "text/plain", r.version());
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add(bhttp::verb::get, "/v1/insured", "registration", answering("find"));
    router_.add(bhttp::verb::post, "/v1/insured", "registration", answering("register"));
    router_.add(bhttp::verb::get, "/v1/insured/{number}", "registration", answering("one"));
    router_.add(bhttp::verb::put, "/v1/insured/{number}/rib", "registration", answering("rib"));
    router_.add(bhttp::verb::get, "/metrics", "ops", answering("metrics"));
    router_.add(bhttp::verb::get, "/", "", answering("root"));
  }

  Response call(bhttp::verb method, const std::string& target,
                const std::vector<std::string>& roles = {"registration"},
                const std::string& body = "") {
    principal_.roles = roles;
    Request req{method, target, 11};
    req.body() = body;
    RequestContext ctx;
    ctx.principal = &principal_;
    asio::io_context ioc;
    auto f = asio::co_spawn(ioc, router_.dispatch(req, ctx), asio::use_future);
    ioc.run();
    auto res = f.get();
    route_ = ctx.route;
    return res;
  }

  hub::http::Router router_;
  hub::http::Principal principal_{"agency", {}};
  std::string route_;
};

TEST_F(RouterTest, RouteAnswersWithItsHandler) {
  auto res = call(bhttp::verb::get, "/v1/insured/123456782?as_of=2026-01-01");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "one");
  EXPECT_EQ(route_, "/v1/insured/{number}");
  EXPECT_EQ(call(bhttp::verb::get, "/").body(), "root");
}

TEST_F(RouterTest, WrongMethodGets405WithTheMethodsOfThePath) {
  auto res = call(bhttp::verb::delete_, "/v1/insured");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(std::string(res[bhttp::field::allow]), "GET, HEAD, POST, OPTIONS");
  EXPECT_NE(res.body().find("method_not_allowed"), std::string::npos);

  auto put_only = call(bhttp::verb::get, "/v1/insured/123456782/rib");
  EXPECT_EQ(put_only.result_int(), 405);
  EXPECT_EQ(std::string(put_only[bhttp::field::allow]), "PUT, OPTIONS");
}

// Every route reads one value of a parameter: a repeat is refused before any route runs, never
// read as its first value; distinct parameters, and a parameter alone, pass.
TEST_F(RouterTest, RepeatedQueryParameterGets400NamingIt) {
  auto res = call(bhttp::verb::get, "/v1/insured?limit=1&limit=2");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find("\"repeated_query_parameter\""), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("/query/limit"), std::string::npos) << res.body();
  EXPECT_EQ(route_, "unmatched");  // no route ran

  // The name as routes read it: "%61s_of" is as_of; an empty value counts.
  auto encoded = call(bhttp::verb::get, "/v1/insured/123456782?as_of=2026-01-01&%61s_of=");
  EXPECT_EQ(encoded.result_int(), 400);
  EXPECT_NE(encoded.body().find("/query/as_of"), std::string::npos) << encoded.body();

  EXPECT_EQ(call(bhttp::verb::get, "/v1/insured?limit=1&after=x").result_int(), 200);
  EXPECT_EQ(call(bhttp::verb::get, "/v1/insured?limit=1").result_int(), 200);
}

TEST_F(RouterTest, UnknownPathGets404WithoutAllow) {
  auto res = call(bhttp::verb::get, "/v1/nowhere");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.count(bhttp::field::allow), 0u);
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  auto res = call(bhttp::verb::head, "/v1/insured/123456782");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(route_, "/v1/insured/{number}");
  // The role is checked as for GET.
  EXPECT_EQ(call(bhttp::verb::head, "/metrics").result_int(), 403);
  // A path without GET has no HEAD either.
  auto rib = call(bhttp::verb::head, "/v1/insured/123456782/rib");
  EXPECT_EQ(rib.result_int(), 405);
  EXPECT_EQ(std::string(rib[bhttp::field::allow]), "PUT, OPTIONS");
}

TEST_F(RouterTest, OptionsListsThePathsMethods) {
  auto res = call(bhttp::verb::options, "/v1/insured");
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(std::string(res[bhttp::field::allow]), "GET, HEAD, POST, OPTIONS");
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(route_, "unmatched");  // the router answers it: no handler ran
  // Whatever the principal's roles: the methods of a path are no secret.
  EXPECT_EQ(std::string(call(bhttp::verb::options, "/metrics", {})[bhttp::field::allow]),
            "GET, HEAD, OPTIONS");
  EXPECT_EQ(call(bhttp::verb::options, "/v1/nowhere").result_int(), 404);
}

TEST_F(RouterTest, OptionsStarListsEveryMethodServed) {
  auto res = call(bhttp::verb::options, "*");
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(std::string(res[bhttp::field::allow]), "GET, HEAD, POST, PUT, OPTIONS");
}

TEST_F(RouterTest, RoutesAreListedWithMethodPatternAndRole) {
  const auto routes = router_.routes();
  ASSERT_EQ(routes.size(), 6u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/v1/insured");
  EXPECT_EQ(routes[0].role, "registration");
  EXPECT_EQ(routes[3].method, "PUT");
  EXPECT_EQ(routes[3].pattern, "/v1/insured/{number}/rib");
  EXPECT_EQ(routes[5].role, "");
}

// A streamed route: the server reads a request header first only when its request line may be
// for one (starts), learns the route's own limit (limit_for), and a body that arrived whole is
// handed to it in one piece all the same.
TEST_F(RouterTest, StreamedRoutesAreOptInWithTheirOwnLimit) {
  EXPECT_TRUE(router_.streamed_routes().starts.empty()) << "no streamed route: nothing changes";
  router_.add_streamed(bhttp::verb::post, "/v1/jobs/prefill", "registration", 4096,
                       [](const Request& r, hub::http::RequestBody& body,
                          RequestContext&) -> asio::awaitable<Response> {
                         std::string read;
                         for (;;) {
                           auto piece = co_await body.next();
                           if (!piece || piece->empty()) break;
                           read += *piece;
                         }
                         co_return hub::http::text_response(200, read, "text/plain", r.version());
                       });
  const auto streamed = router_.streamed_routes();
  EXPECT_EQ(streamed.starts, std::vector<std::string>{"POST /v1/jobs/prefill"});
  EXPECT_EQ(streamed.limit_for(Request{bhttp::verb::post, "/v1/jobs/prefill?kind=person", 11}),
            std::optional<std::size_t>(4096));
  EXPECT_FALSE(streamed.limit_for(Request{bhttp::verb::get, "/v1/jobs/prefill", 11}));
  EXPECT_FALSE(streamed.limit_for(Request{bhttp::verb::post, "/v1/insured", 11}));

  auto res = call(bhttp::verb::post, "/v1/jobs/prefill", {"registration"}, "BK123456\n");
  EXPECT_EQ(res.body(), "BK123456\n") << "a whole body is handed over as one piece";
  EXPECT_EQ(route_, "/v1/jobs/prefill");
  EXPECT_EQ(call(bhttp::verb::post, "/v1/jobs/prefill", {"ops"}, "BK1\n").result_int(), 403);
}

}  // namespace
