#include "hub/api/registration_routes.hpp"

#include "hub/api/registration_http.hpp"
#include "hub/identifiers/typed.hpp"
#include "hub/registry/streams.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
namespace streams = registry::streams;
using http::Request;
using http::RequestContext;
using http::Response;
using registry::Caller;
using registry::Date;
using V = bhttp::verb;

// What every route group needs: the registry, its store pool, and the roles.
struct Routes {
  http::Router& router;
  registry::Registry& r;
  registry::StorePool& pool;
  RegistrationRoles roles;

  void read(V verb, const std::string& path, Read op) {
    router.add(verb, path, roles.registration, reading(pool, std::move(op)));
  }
  void change(V verb, const std::string& path, Change op) {
    router.add(verb, path, roles.registration,
               changing(r, pool, roles.override_role, std::move(op)));
  }
  void write(V verb, const std::string& path, Write op) {
    router.add(verb, path, roles.registration,
               writing(r, pool, roles.override_role, std::move(op)));
  }
  // GET <path>: the history of the record of `kind` named by the path parameter `id`.
  void history(const std::string& path, std::string_view kind, const char* id) {
    read(V::get, path,
         [&r = r, kind, id](const Request&, RequestContext& ctx, std::optional<Date>) {
           return r.history(kind, param(ctx, id));
         });
  }
};

void add_insured(Routes& s) {
  auto& r = s.r;
  s.write(V::post, "/v1/insured", [&r](const Request& req, RequestContext&, Caller c) {
    return r.register_insured(req.body(), std::move(c));
  });
  s.read(V::get, "/v1/insured", [&r](const Request& req, RequestContext&, std::optional<Date>) {
    auto cnie = http::query_param(req.target(), "cnie");
    if (!cnie) return RegistryResult(make_error(Errc::invalid_input, "/cnie: is required"));
    // As an agent types it in a search box (docs/identifiers.md).
    if (auto typed = identifiers::typed_letters_and_digits(*cnie)) cnie = *typed;
    return r.insured_by_cnie(*cnie);
  });
  s.read(V::get, "/v1/insured/{number}",
         [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
           return r.insured(param(ctx, "number"), as_of);
         });
  s.history("/v1/insured/{number}/history", streams::kInsured, "number");
  s.read(V::get, "/v1/insured/{number}/ribs",
         [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
           return r.rib_history(param(ctx, "number"));
         });
  s.change(V::put, "/v1/insured/{number}/rib",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.change_rib(param(ctx, "number"), req.body(), c);
           });
  s.change(V::put, "/v1/insured/{number}/contact",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.change_contact(param(ctx, "number"), req.body(), c);
           });
  s.change(V::post, "/v1/insured/{number}/status",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.change_insured_status(param(ctx, "number"), req.body(), c);
           });
  s.change(V::post, "/v1/insured/{number}/cards",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.request_card(param(ctx, "number"), req.body(), c);
           });
  s.change(V::post, "/v1/insured/{number}/cards/{card}/status",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.change_card_status(param(ctx, "number"), param(ctx, "card"), req.body(), c);
           });
  s.write(V::post, "/v1/insured/{number}/refresh",
          [&r](const Request&, RequestContext& ctx, Caller c) {
            return r.refresh_insured(param(ctx, "number"), std::move(c));
          });
}

void add_families(Routes& s) {
  auto& r = s.r;
  s.read(V::get, "/v1/insured/{number}/family",
         [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
           return r.family(param(ctx, "number"), as_of);
         });
  s.history("/v1/insured/{number}/family/history", streams::kFamily, "number");
  s.read(V::get, "/v1/insured/{number}/beneficiaries",
         [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
           return r.beneficiaries(param(ctx, "number"), as_of);
         });
  s.change(V::post, "/v1/insured/{number}/beneficiaries",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.add_beneficiary(param(ctx, "number"), req.body(), c);
           });
  s.change(V::patch, "/v1/insured/{number}/beneficiaries/{member}",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.update_beneficiary(param(ctx, "number"), param(ctx, "member"), req.body(), c);
           });
  s.change(V::post, "/v1/insured/{number}/beneficiaries/{member}/death",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.record_beneficiary_death(param(ctx, "number"), param(ctx, "member"),
                                               req.body(), c);
           });
}

void add_persons(Routes& s) {
  auto& r = s.r;
  s.read(V::get, "/v1/persons/{cnie}",
         [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
           return r.person(param(ctx, "cnie"));
         });
  s.change(V::patch, "/v1/persons/{cnie}",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.correct_person(param(ctx, "cnie"), req.body(), c);
           });
  s.history("/v1/persons/{cnie}/history", streams::kPerson, "cnie");
}

void add_employers(Routes& s) {
  auto& r = s.r;
  s.write(V::post, "/v1/employers", [&r](const Request& req, RequestContext&, Caller c) {
    return r.register_employer(req.body(), std::move(c));
  });
  s.read(V::get, "/v1/employers", [&r](const Request& req, RequestContext&, std::optional<Date>) {
    auto ice = http::query_param(req.target(), "ice");
    if (!ice) return RegistryResult(make_error(Errc::invalid_input, "/ice: is required"));
    if (auto typed = identifiers::typed_digits(*ice)) ice = *typed;
    return r.employer_by_ice(*ice);
  });
  s.read(V::get, "/v1/employers/{affiliation}",
         [&r](const Request&, RequestContext& ctx, std::optional<Date> as_of) {
           return r.employer(param(ctx, "affiliation"), as_of);
         });
  s.history("/v1/employers/{affiliation}/history", streams::kEmployer, "affiliation");
  s.read(V::get, "/v1/pending-affiliations",
         [&r](const Request& req, RequestContext&, std::optional<Date>) {
           auto limit = limit_param(req, 100);
           if (!limit) return RegistryResult(limit.error());
           return r.pending_affiliations(
               http::query_param(req.target(), "status").value_or("pending"),
               http::query_param(req.target(), "after").value_or(""), *limit);
         });
  s.read(V::get, "/v1/pending-affiliations/{ice}",
         [&r](const Request&, RequestContext& ctx, std::optional<Date>) {
           return r.pending_affiliation(param(ctx, "ice"));
         });
  s.write(V::post, "/v1/pending-affiliations/{ice}/confirm",
          [&r](const Request& req, RequestContext& ctx, Caller c) {
            return r.confirm_affiliation(param(ctx, "ice"), req.body(), std::move(c));
          });
  for (const char* action : {"suspend", "reopen", "close", "transfer"}) {
    s.change(V::post, std::string("/v1/employers/{affiliation}/") + action,
             [&r, action](const Request& req, RequestContext& ctx, const Caller& c) {
               return r.employer_action(param(ctx, "affiliation"), action, req.body(), c);
             });
  }
  s.change(V::put, "/v1/employers/{affiliation}/declared-employees",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.record_declared_employees(param(ctx, "affiliation"), req.body(), c);
           });
  s.change(V::post, "/v1/employers/{affiliation}/representatives",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.add_representative(param(ctx, "affiliation"), req.body(), c);
           });
  s.change(V::delete_, "/v1/employers/{affiliation}/representatives/{cnie}",
           [&r](const Request& req, RequestContext& ctx, const Caller& c) {
             return r.remove_representative(param(ctx, "affiliation"), param(ctx, "cnie"),
                                            req.body(), c);
           });
}

// POST /v1/registry/jobs/eligibility (admin): the daily job, now.
void add_jobs(Routes& s) {
  s.router.add(V::post, "/v1/registry/jobs/eligibility", s.roles.admin,
               [&r = s.r, &p = s.pool](const Request& req,
                                       RequestContext& ctx) -> asio::awaitable<Response> {
                 auto n =
                     co_await p.run<Result<int>>([&r] { return r.record_eligibility_changes(); });
                 if (!n) co_return http::error_response(n.error(), ctx, req.version());
                 co_return http::json_response(
                     200, "{\"events_appended\":" + std::to_string(*n) + "}", req.version());
               });
}

}  // namespace

void add_registration_routes(http::Router& router, registry::Registry& registry,
                             registry::StorePool& pool, RegistrationRoles roles) {
  Routes s{router, registry, pool, std::move(roles)};
  add_insured(s);
  add_families(s);
  add_persons(s);
  add_employers(s);
  add_jobs(s);
}

}  // namespace hub::api
