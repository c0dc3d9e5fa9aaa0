#include "hub/registry/routes.hpp"

#include <cstdint>
#include <functional>

namespace hub::registry {
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

Result<Caller> caller_of(const Request& req, const RequestContext& ctx, const RouteRoles& roles) {
  Caller c;
  c.principal = ctx.principal ? ctx.principal->name : "";
  c.may_override = ctx.principal && ctx.principal->has_role(roles.override_role);
  c.correlation_id = ctx.correlation_id;
  c.request_hash = fingerprint(req);
  if (auto it = req.find("Idempotency-Key"); it != req.end()) {
    const std::string_view k = it->value();
    bool ok = !k.empty() && k.size() <= 128;
    for (char ch : k) ok = ok && ch > 0x20 && ch < 0x7f;
    if (!ok) {
      return make_error(Errc::invalid_input,
                        "/headers/Idempotency-Key: 1 to 128 visible ASCII characters");
    }
    c.idempotency_key = std::string(k);
  }
  if (auto it = req.find(bhttp::field::if_match); it != req.end()) {
    std::string_view v = it->value();
    if (v != "*") {
      if (v.substr(0, 2) == "W/") v.remove_prefix(2);
      std::int64_t n = 0;
      bool ok = v.size() >= 3 && v.front() == '"' && v.back() == '"' && v.size() < 20;
      for (std::size_t i = 1; ok && i + 1 < v.size(); ++i) {
        ok = v[i] >= '0' && v[i] <= '9';
        n = n * 10 + (v[i] - '0');
      }
      if (!ok) return make_error(Errc::invalid_input, "/headers/If-Match: must be an ETag we gave");
      c.if_match = n;
    }
  }
  return c;
}

Result<std::optional<Date>> as_of_of(const Request& req) {
  auto v = http::query_param(req.target(), "as_of");
  if (!v) return std::optional<Date>();
  auto d = parse_date(*v);
  if (!d) return make_error(Errc::invalid_input, "/as_of: must be a date YYYY-MM-DD");
  return std::optional<Date>(*d);
}

Response render(const Result<Answer>& a, const Request& req, const RequestContext& ctx) {
  if (!a) return http::error_response(a.error(), ctx, req.version());
  Response res = http::json_response(a->status, a->body, req.version());
  if (!a->etag.empty()) res.set(bhttp::field::etag, a->etag);
  return res;
}

std::string param(const RequestContext& ctx, const char* name) {
  auto it = ctx.params.find(name);
  return it == ctx.params.end() ? std::string() : it->second;
}

using Write =
    std::function<asio::awaitable<Result<Answer>>(const Request&, RequestContext&, Caller)>;
using Read = std::function<Result<Answer>(const Request&, RequestContext&, std::optional<Date>)>;

// A change: the caller's guards are read, an earlier answer to the same Idempotency-Key is
// given again, and the operation runs otherwise. Store calls run on the store pool.
http::Handler writing(Registry& registry, StorePool& pool, RouteRoles roles, Write op) {
  return [&registry, &pool, roles, op](const Request& req,
                                       RequestContext& ctx) -> asio::awaitable<Response> {
    auto caller = caller_of(req, ctx, roles);
    if (!caller) co_return http::error_response(caller.error(), ctx, req.version());
    auto first = co_await pool.run<Result<std::optional<Answer>>>(
        [&registry, &caller] { return registry.replayed(*caller); });
    if (!first) co_return http::error_response(first.error(), ctx, req.version());
    if (*first) {
      Response res = render(Result<Answer>(std::move(**first)), req, ctx);
      res.set("Idempotent-Replayed", "true");
      co_return res;
    }
    auto answer = co_await op(req, ctx, std::move(*caller));
    co_return render(answer, req, ctx);
  };
}

http::Handler reading(StorePool& pool, Read op) {
  return [&pool, op](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
    auto as_of = as_of_of(req);
    if (!as_of) co_return http::error_response(as_of.error(), ctx, req.version());
    auto answer = co_await pool.run<Result<Answer>>([&] { return op(req, ctx, *as_of); });
    co_return render(answer, req, ctx);
  };
}

// A synchronous change: the guards of `writing`, then f on the store pool.
http::Handler changing(
    Registry& registry, StorePool& pool, RouteRoles roles,
    std::function<Result<Answer>(const Request&, RequestContext&, const Caller&)> f) {
  return writing(registry, pool, roles,
                 [&pool, f](const Request& req, RequestContext& ctx,
                            Caller c) -> asio::awaitable<Result<Answer>> {
                   co_return co_await pool.run<Result<Answer>>([&] { return f(req, ctx, c); });
                 });
}

}  // namespace

void add_registration_routes(http::Router& router, Registry& registry, StorePool& pool,
                             RouteRoles roles) {
  auto& r = registry;
  auto& p = pool;
  const std::string role = roles.registration;
  using V = bhttp::verb;

  router.add(V::post, "/v1/insured", role,
             writing(r, p, roles, [&r](const Request& req, RequestContext&, Caller c) {
               return r.register_insured(req.body(), std::move(c));
             }));
  router.add(V::get, "/v1/insured", role,
             reading(p, [&r](const Request& req, RequestContext&, std::optional<Date>) {
               auto cnie = http::query_param(req.target(), "cnie");
               if (!cnie)
                 return Result<Answer>(make_error(Errc::invalid_input, "/cnie: is required"));
               return r.insured_by_cnie(*cnie);
             }));
  router.add(V::get, "/v1/insured/{number}", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
               return r.insured(param(ctx, "number"), as_of);
             }));
  router.add(V::get, "/v1/insured/{number}/history", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.history("insured", param(ctx, "number"));
             }));
  router.add(V::get, "/v1/insured/{number}/ribs", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.rib_history(param(ctx, "number"));
             }));
  router.add(V::put, "/v1/insured/{number}/rib", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.change_rib(param(ctx, "number"), req.body(), c);
             }));
  router.add(V::put, "/v1/insured/{number}/contact", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.change_contact(param(ctx, "number"), req.body(), c);
             }));
  router.add(V::post, "/v1/insured/{number}/status", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.change_insured_status(param(ctx, "number"), req.body(), c);
             }));
  router.add(V::post, "/v1/insured/{number}/cards", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.request_card(param(ctx, "number"), req.body(), c);
             }));
  router.add(V::post, "/v1/insured/{number}/refresh", role,
             writing(r, p, roles, [&r](const Request&, RequestContext& ctx, Caller c) {
               return r.refresh_insured(param(ctx, "number"), std::move(c));
             }));
  router.add(V::get, "/v1/insured/{number}/family", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
               return r.family(param(ctx, "number"), as_of);
             }));
  router.add(V::get, "/v1/insured/{number}/family/history", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.history("family", param(ctx, "number"));
             }));
  router.add(V::get, "/v1/insured/{number}/beneficiaries", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
               return r.beneficiaries(param(ctx, "number"), as_of);
             }));
  router.add(V::post, "/v1/insured/{number}/beneficiaries", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.add_beneficiary(param(ctx, "number"), req.body(), c);
             }));
  router.add(V::patch, "/v1/insured/{number}/beneficiaries/{member}", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.update_beneficiary(param(ctx, "number"), param(ctx, "member"), req.body(),
                                           c);
             }));
  router.add(V::get, "/v1/persons/{cnie}", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.person(param(ctx, "cnie"));
             }));
  router.add(V::patch, "/v1/persons/{cnie}", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.correct_person(param(ctx, "cnie"), req.body(), c);
             }));
  router.add(V::get, "/v1/persons/{cnie}/history", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.history("person", param(ctx, "cnie"));
             }));

  router.add(V::post, "/v1/employers", role,
             writing(r, p, roles, [&r](const Request& req, RequestContext&, Caller c) {
               return r.register_employer(req.body(), std::move(c));
             }));
  router.add(V::get, "/v1/employers", role,
             reading(p, [&r](const Request& req, RequestContext&, std::optional<Date>) {
               auto ice = http::query_param(req.target(), "ice");
               if (!ice)
                 return Result<Answer>(make_error(Errc::invalid_input, "/ice: is required"));
               return r.employer_by_ice(*ice);
             }));
  router.add(V::get, "/v1/employers/{affiliation}", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
               return r.employer(param(ctx, "affiliation"), as_of);
             }));
  router.add(V::get, "/v1/employers/{affiliation}/history", role,
             reading(p, [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
               return r.history("employer", param(ctx, "affiliation"));
             }));
  for (const char* action : {"suspend", "reopen", "close", "transfer"}) {
    router.add(V::post, std::string("/v1/employers/{affiliation}/") + action, role,
               changing(r, p, roles,
                        [&r, action](const Request& req, RequestContext& ctx, const Caller& c) {
                          return r.employer_action(param(ctx, "affiliation"), action, req.body(),
                                                   c);
                        }));
  }
  router.add(V::post, "/v1/employers/{affiliation}/representatives", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.add_representative(param(ctx, "affiliation"), req.body(), c);
             }));
  router.add(V::delete_, "/v1/employers/{affiliation}/representatives/{cnie}", role,
             changing(r, p, roles, [&r](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.remove_representative(param(ctx, "affiliation"), param(ctx, "cnie"),
                                              req.body(), c);
             }));

  router.add(V::post, "/v1/registry/jobs/eligibility", roles.admin,
             [&r, &p](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto n =
                   co_await p.run<Result<int>>([&r] { return r.record_eligibility_changes(); });
               if (!n) co_return http::error_response(n.error(), ctx, req.version());
               co_return http::json_response(
                   200, "{\"events_appended\":" + std::to_string(*n) + "}", req.version());
             });
}

}  // namespace hub::registry
