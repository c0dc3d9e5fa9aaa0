#include "hub/api/registration_http.hpp"

#include <charconv>
#include <cstdint>

#include "hub/http/fields.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

// FNV-1a: a stable fingerprint of a request, kept with its answer to recognise a key reused for
// another request. Not a security measure: keys are scoped to the principal that sent them.
std::string fingerprint(const Request& req) {
  std::uint64_t h = 1469598103934665603ULL;
  auto feed = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  feed(req.method_string());
  feed(req.target());
  feed(req.body());
  char buf[17];
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, h >>= 4) buf[i] = kHex[h & 0xf];
  buf[16] = '\0';
  return buf;
}

Result<std::string> idempotency_key(const Request& req) {
  auto it = req.find("Idempotency-Key");
  if (it == req.end()) return std::string();
  const std::string_view k = it->value();
  bool ok = !k.empty() && k.size() <= 128;
  for (char ch : k) ok = ok && ch > 0x20 && ch < 0x7f;
  if (!ok) {
    return make_error(Errc::invalid_input,
                      "/headers/Idempotency-Key: 1 to 128 visible ASCII characters");
  }
  return std::string(k);
}

// The version an If-Match names (an ETag is "\"<version>\""); nullopt for none or "*".
Result<std::optional<std::int64_t>> if_match(const Request& req) {
  auto it = req.find(bhttp::field::if_match);
  if (it == req.end()) return std::optional<std::int64_t>();
  std::string_view v = it->value();
  if (v == "*") return std::optional<std::int64_t>();
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  const auto n = http::etag_version(v);
  if (!n) return make_error(Errc::invalid_input, "/headers/If-Match: must be an ETag we gave");
  return n;
}

}  // namespace

unsigned status_of(registry::Effect effect) {
  return effect == registry::Effect::created ? 201 : 200;
}

Response response_of(const Result<registry::Outcome>& r, const Request& req,
                     const RequestContext& ctx) {
  if (!r) return http::error_response(r.error(), ctx, req.version());
  Response res =
      http::json_response(status_of(r->effect), registry::json::dump(r->view), req.version());
  if (r->version) res.set(bhttp::field::etag, "\"" + std::to_string(*r->version) + "\"");
  return res;
}

Result<registry::Caller> caller_of(const Request& req, const RequestContext& ctx,
                                   const std::string& override_role) {
  registry::Caller c;
  c.principal = ctx.principal ? ctx.principal->name : "";
  c.may_override = ctx.principal && ctx.principal->has_role(override_role);
  c.correlation_id = ctx.correlation_id;
  c.request_hash = fingerprint(req);
  auto key = idempotency_key(req);
  if (!key) return key.error();
  c.idempotency_key = std::move(*key);
  auto version = if_match(req);
  if (!version) return version.error();
  c.if_match = *version;
  return c;
}

Result<std::optional<registry::Date>> as_of_of(const Request& req) {
  auto v = http::query_param(req.target(), "as_of");
  if (!v) return std::optional<registry::Date>();
  auto d = registry::parse_date(*v);
  if (!d) return make_error(Errc::invalid_input, "/as_of: must be a date YYYY-MM-DD");
  return std::optional<registry::Date>(*d);
}

Result<std::size_t> limit_param(const http::Request& req, std::size_t fallback) {
  auto v = http::query_param(req.target(), "limit");
  if (!v) return fallback;
  std::size_t n = 0;
  const auto* end = v->data() + v->size();
  auto [ptr, ec] = std::from_chars(v->data(), end, n);
  if (v->empty() || ec != std::errc() || ptr != end || n < 1 || n > 1000) {
    return make_error(Errc::invalid_input, "/limit: must be an integer from 1 to 1000");
  }
  return n;
}

std::string param(const RequestContext& ctx, const char* name) {
  auto it = ctx.params.find(name);
  return it == ctx.params.end() ? std::string() : it->second;
}

http::Handler writing(registry::Registry& registry, registry::StorePool& pool,
                      std::string override_role, Write op) {
  return [&registry, &pool, override_role, op](const Request& req,
                                               RequestContext& ctx) -> asio::awaitable<Response> {
    auto caller = caller_of(req, ctx, override_role);
    if (!caller) co_return http::error_response(caller.error(), ctx, req.version());
    auto first = co_await pool.run<Result<std::optional<registry::Outcome>>>(
        [&registry, &caller] { return registry.replayed(*caller); });
    if (!first) co_return http::error_response(first.error(), ctx, req.version());
    if (*first) {
      Response res = response_of(RegistryResult(std::move(**first)), req, ctx);
      res.set("Idempotent-Replayed", "true");
      co_return res;
    }
    co_return response_of(co_await op(req, ctx, std::move(*caller)), req, ctx);
  };
}

http::Handler changing(registry::Registry& registry, registry::StorePool& pool,
                       std::string override_role, Change op) {
  return writing(registry, pool, std::move(override_role),
                 [&pool, op](const Request& req, RequestContext& ctx,
                             registry::Caller c) -> asio::awaitable<RegistryResult> {
                   co_return co_await pool.run<RegistryResult>([&] { return op(req, ctx, c); });
                 });
}

http::Handler reading(registry::StorePool& pool, Read op) {
  return [&pool, op](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
    auto as_of = as_of_of(req);
    if (!as_of) co_return http::error_response(as_of.error(), ctx, req.version());
    co_return response_of(co_await pool.run<RegistryResult>([&] { return op(req, ctx, *as_of); }),
                          req, ctx);
  };
}

}  // namespace hub::api
