#include "hub/api/disclosure_routes.hpp"

#include "hub/api/registration_http.hpp"
#include "hub/partner/disclosures.hpp"
#include "hub/registry/json.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
namespace json = registry::json;
using http::Request;
using http::RequestContext;
using http::Response;

// The subject a registry record names: its kind, number, and the identifier partners know it by.
Result<partner::Subject> subject_of(registry::Registry& r, const std::string& kind,
                                    const std::string& id) {
  auto record = kind == "insured" ? r.insured(id) : r.employer(id);
  if (!record) return record.error();
  const char* pointer = kind == "insured" ? "/cnie" : "/ice";
  auto identifier = json::text(record->view, pointer);
  if (!identifier) {
    return make_error(Errc::internal, "the record holds no " + std::string(pointer + 1));
  }
  return partner::Subject{kind, id, *identifier};
}

struct Parts {
  registry::Registry& registry;
  store::Store& store;
  audit::Journal& journal;
  registry::StorePool& pool;
};

// Who may read the disclosures of record `id`: a principal with `role` any record's; one with
// `self_role` (a portal acting for one insured person: docs/partner-api.md, "The insured's
// portal") only those of the record its kOnBehalfOf header names. Errors (403): forbidden,
// on_behalf_of_required, not_own_record.
Result<void> may_read(const RequestContext& ctx, const Request& req, const std::string& id,
                      const std::string& role, const std::string& self_role) {
  if (ctx.principal && ctx.principal->has_role(role)) return {};
  if (self_role.empty() || !ctx.principal || !ctx.principal->has_role(self_role)) {
    return make_error(Errc::forbidden, "this route needs the role " + role +
                                           (self_role.empty() ? "" : " or " + self_role));
  }
  const auto acting = req.find(kOnBehalfOf);
  if (acting == req.end() || acting->value().empty()) {
    return make_error(Errc::forbidden,
                      std::string("a portal states the insured person it acts for in ") +
                          std::string(kOnBehalfOf),
                      "on_behalf_of_required");
  }
  if (acting->value() != id) {
    return make_error(Errc::forbidden,
                      "a portal reads only the disclosures of the insured person it acts for",
                      "not_own_record");
  }
  return {};
}

void add_one(http::Router& router, const Parts& parts, const std::string& path,
             const std::string& kind, const std::string& param, std::string role,
             std::string self_role) {
  router.add(bhttp::verb::get, path, "",
             [parts, kind, param, role, self_role](
                 const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               const std::string id = ctx.params[param];
               if (auto ok = may_read(ctx, req, id, role, self_role); !ok) {
                 co_return http::error_response(ok.error(), ctx, req.version());
               }
               auto limit = limit_param(req, 100);
               if (!limit) co_return http::error_response(limit.error(), ctx, req.version());
               auto body =
                   co_await parts.pool.run<Result<std::string>>([&]() -> Result<std::string> {
                     auto subject = subject_of(parts.registry, kind, id);
                     if (!subject) return subject.error();
                     return partner::disclosures_json(parts.store, parts.journal, *subject,
                                                      std::min<std::size_t>(*limit, 1000));
                   });
               if (!body) co_return http::error_response(body.error(), ctx, req.version());
               auto res = http::json_response(200, std::move(*body), req.version());
               res.set(bhttp::field::cache_control, "no-store");
               co_return res;
             });
}

}  // namespace

void add_disclosure_routes(http::Router& router, registry::Registry& registry, store::Store& store,
                           audit::Journal& journal, registry::StorePool& pool,
                           const std::string& registration_role,
                           const std::string& insured_self_role) {
  const Parts parts{registry, store, journal, pool};
  add_one(router, parts, "/v1/insured/{number}/disclosures", "insured", "number", registration_role,
          insured_self_role);
  add_one(router, parts, "/v1/employers/{affiliation}/disclosures", "employer", "affiliation",
          registration_role, "");
}

}  // namespace hub::api
