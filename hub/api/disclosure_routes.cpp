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

void add_one(http::Router& router, const Parts& parts, const std::string& path,
             const std::string& kind, const std::string& param, std::vector<std::string> roles) {
  router.add(
      bhttp::verb::get, path, "",
      [parts, kind, param, roles](const Request& req,
                                  RequestContext& ctx) -> asio::awaitable<Response> {
        bool allowed = false;
        for (const auto& role : roles) {
          allowed = allowed || (ctx.principal && ctx.principal->has_role(role));
        }
        if (!allowed) {
          co_return http::error_response(
              make_error(Errc::forbidden, "this route needs the role " + roles.front() +
                                              (roles.size() > 1 ? " or " + roles.back() : "")),
              ctx, req.version());
        }
        auto limit = limit_param(req, 100);
        if (!limit) co_return http::error_response(limit.error(), ctx, req.version());
        const std::string id = ctx.params[param];
        auto body = co_await parts.pool.run<Result<std::string>>([&]() -> Result<std::string> {
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
  add_one(router, parts, "/v1/insured/{number}/disclosures", "insured", "number",
          {registration_role, insured_self_role});
  add_one(router, parts, "/v1/employers/{affiliation}/disclosures", "employer", "affiliation",
          {registration_role});
}

}  // namespace hub::api
