#include "hub/api/journal_routes.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "hub/audit/proof_json.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

// A tree size or index: decimal digits only, at most 2^63 - 1 (the store's seq).
Result<std::optional<std::uint64_t>> size_param(const http::Request& req, const char* name,
                                                bool required) {
  auto v = http::query_param(req.target(), name);
  if (!v) {
    if (!required) return std::optional<std::uint64_t>();
    return make_error(Errc::invalid_input, std::string("/") + name + ": is required");
  }
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || n < 0 || (*v)[0] == '+') {
    return make_error(Errc::invalid_input,
                      std::string("/") + name + ": must be a non-negative decimal integer");
  }
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(n));
}

http::Response render(const Result<std::string>& body, const http::Request& req,
                      const http::RequestContext& ctx, std::string_view type) {
  if (!body) return http::error_response(body.error(), ctx, req.version());
  return http::text_response(200, *body, type, req.version());
}

}  // namespace

void add_journal_routes(http::Router& router, audit::JournalProofs& proofs,
                        registry::StorePool& pool, const std::string& prefix,
                        const std::string& role) {
  router.add(bhttp::verb::get, prefix + "/checkpoint", role,
             [&proofs, &pool](const http::Request& req,
                              http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto note = co_await pool.run<Result<std::string>>([&]() -> Result<std::string> {
                 auto latest = proofs.latest();
                 if (!latest) return latest.error();
                 return latest->note;
               });
               co_return render(note, req, ctx, "text/plain; charset=utf-8");
             });
  router.add(bhttp::verb::get, prefix + "/proof", role,
             [&proofs, &pool](const http::Request& req,
                              http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto index = size_param(req, "index", true);
               auto size = size_param(req, "size", false);
               if (!index || !size) {
                 co_return http::error_response(index ? size.error() : index.error(), ctx,
                                                req.version());
               }
               auto body = co_await pool.run<Result<std::string>>([&]() -> Result<std::string> {
                 auto a = proofs.inclusion(**index, *size);
                 if (!a) return a.error();
                 return audit::inclusion_to_json(*a);
               });
               co_return render(body, req, ctx, "application/json");
             });
  router.add(bhttp::verb::get, prefix + "/consistency", role,
             [&proofs, &pool](const http::Request& req,
                              http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto from = size_param(req, "from", true);
               auto to = size_param(req, "to", false);
               if (!from || !to) {
                 co_return http::error_response(from ? to.error() : from.error(), ctx,
                                                req.version());
               }
               auto body = co_await pool.run<Result<std::string>>([&]() -> Result<std::string> {
                 auto a = proofs.consistency(**from, *to);
                 if (!a) return a.error();
                 return audit::consistency_to_json(*a);
               });
               co_return render(body, req, ctx, "application/json");
             });
}

void add_journal_routes_for(http::Router& router, const std::vector<std::string>& interfaces,
                            audit::JournalProofs& proofs, registry::StorePool& pool) {
  auto serves = [&](std::string_view i) {
    return std::find(interfaces.begin(), interfaces.end(), i) != interfaces.end();
  };
  if (serves("partner")) add_journal_routes(router, proofs, pool, "/partner/v1/journal", "partner");
  if (serves("registration") || serves("admin")) {
    add_journal_routes(router, proofs, pool, "/v1/journal", "");
  }
}

}  // namespace hub::api
