#include "hub/api/partner_events.hpp"

#include "hub/api/registration_http.hpp"
#include "hub/audit/receipt.hpp"
#include "hub/core/log.hpp"
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

// The delivery is recorded whatever the journal does: the answer waits for its entry (at most
// the journal's wait limit) only to carry the receipt, and goes without one when the journal
// cannot write it in time (docs/audit.md, "Receipts").
asio::awaitable<void> add_receipt(http::Response& response, audit::Journal& journal,
                                  audit::Ticket ticket) {
  auto r = co_await journal.receipt(ticket);
  if (r) {
    response.set(audit::kReceiptHeader, audit::format_receipt(*r));
  } else {
    log::warn("a partner event answered without its journal receipt",
              {{"error", r.error().message}});
  }
}

}  // namespace

void add_partner_event_routes(http::Router& router, events::Inbox& inbox, registry::StorePool& pool,
                              const std::string& partner_role) {
  router.add(bhttp::verb::post, "/partner/v1/events", partner_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               audit::Ticket ticket = 0;
               auto answer = co_await pool.run<Result<Answer>>([&] {
                 return inbox.receive(principal_of(ctx), req.body(), ctx.correlation_id, &ticket);
               });
               auto response = render(answer, req, ctx);
               if (answer && ticket != 0 && inbox.exchange_journal() != nullptr) {
                 co_await add_receipt(response, *inbox.exchange_journal(), ticket);
               }
               co_return response;
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
  router.add(
      bhttp::verb::get, "/admin/v1/events", admin_role,
      [&inbox, &pool](const http::Request& req,
                      http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        const std::string status = http::query_param(req.target(), "status").value_or("");
        if (!status.empty() && !events::is_status(status)) {
          co_return http::error_response(
              make_error(
                  Errc::invalid_input,
                  "/status: must be recorded, waiting, applied, not_applicable or not_concerned"),
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
  // The review queue (Inbox::review, docs/registration.md "Review queue").
  router.add(bhttp::verb::get, "/admin/v1/review", admin_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               const auto limit = limit_param(req, 100);
               if (!limit) co_return http::error_response(limit.error(), ctx, req.version());
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.review(http::query_param(req.target(), "after").value_or(""), *limit);
               }),
                                req, ctx);
             });
  router.add(bhttp::verb::post, "/admin/v1/review/{partner}/{event_id}", admin_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.resolve(principal_of(ctx), ctx.params["partner"],
                                      ctx.params["event_id"], req.body(), ctx.correlation_id);
               }),
                                req, ctx);
             });
}

}  // namespace hub::api
