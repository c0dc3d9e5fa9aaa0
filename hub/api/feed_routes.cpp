#include "hub/api/feed_routes.hpp"

namespace hub::api {

namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

void add_feed_routes(http::Router& router, feed::Feed& feed, std::string role) {
  router.add(
      boost::beast::http::verb::get, "/v1/changes", std::move(role),
      [&feed](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
        // Deny by default: the role opens the route, the consumer entry says what it may see.
        const auto* consumer = feed.consumer(ctx.principal ? ctx.principal->name : "");
        if (consumer == nullptr) {
          co_return http::error_response(
              make_error(Errc::forbidden,
                         "this principal is not a consumer of the change feed (feed.consumers)",
                         "no_agreement"),
              ctx, req.version());
        }
        auto query = feed::parse_query(req.target(), feed.settings());
        if (!query) co_return http::error_response(query.error(), ctx, req.version());
        auto page = co_await feed.changes(*consumer, *query);
        if (!page) co_return http::error_response(page.error(), ctx, req.version());
        auto res = http::json_response(200, std::move(*page), req.version());
        res.set(boost::beast::http::field::cache_control, "no-store");
        co_return res;
      });
}

}  // namespace hub::api
