#include "hub/api/feed_routes.hpp"

namespace hub::api {

namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

void add_feed_routes(http::Router& router, feed::Feed& feed, std::string role) {
  router.add(boost::beast::http::verb::get, "/v1/changes", std::move(role),
             [&feed](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto query = feed::parse_query(req.target(), feed.settings());
               if (!query) co_return http::error_response(query.error(), ctx, req.version());
               // Deny by default: the role opens the route, the principal's agreements say what it
               // may see (403 no_agreement when none in force lists a feed resource).
               std::string principal = ctx.principal ? ctx.principal->name : "";
               auto page = co_await feed.changes(std::move(principal), *query);
               if (!page) co_return http::error_response(page.error(), ctx, req.version());
               auto res = http::json_response(200, std::move(*page), req.version());
               res.set(boost::beast::http::field::cache_control, "no-store");
               co_return res;
             });
}

}  // namespace hub::api
