#include "hub/api/partner_events.hpp"

#include "hub/api/registration_http.hpp"
#include "hub/events/records.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using events::Answer;

http::Response render(const Result<Answer>& a, const http::Request& req,
                      const http::RequestContext& ctx) {
  if (!a) return http::error_response(a.error(), ctx, req.version());
  const unsigned status = a->kind == Answer::Kind::recorded ? 202 : 200;
  return http::json_response(status, a->body, req.version());
}

std::string principal_of(const http::RequestContext& ctx) {
  return ctx.principal ? ctx.principal->name : "";
}

}  // namespace

void add_partner_event_routes(http::Router& router, events::Inbox& inbox, registry::StorePool& pool,
                              const std::string& partner_role) {
  router.add(bhttp::verb::post, "/partner/v1/events", partner_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.receive(principal_of(ctx), req.body(), ctx.correlation_id);
               }),
                                req, ctx);
             });
  router.add(bhttp::verb::get, "/partner/v1/events/{id}", partner_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.status(principal_of(ctx), ctx.params["id"]);
               }),
                                req, ctx);
             });
}

void add_event_admin_routes(http::Router& router, events::Inbox& inbox, registry::StorePool& pool,
                            const std::string& admin_role) {
  router.add(bhttp::verb::get, "/admin/v1/events", admin_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               const std::string status = http::query_param(req.target(), "status").value_or("");
               if (!status.empty() && !events::is_status(status)) {
                 co_return http::error_response(
                     make_error(Errc::invalid_input,
                                "/status: must be recorded, applied or not_applicable"),
                     ctx, req.version());
               }
               const auto limit = limit_param(req, 100);
               if (!limit) co_return http::error_response(limit.error(), ctx, req.version());
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.list(http::query_param(req.target(), "partner").value_or(""), status,
                                   http::query_param(req.target(), "after").value_or(""), *limit);
               }),
                                req, ctx);
             });
}

}  // namespace hub::api
