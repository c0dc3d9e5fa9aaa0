#include "hub/api/prefill_routes.hpp"

#include <rapidjson/document.h>

#include <cctype>
#include <set>

#include "hub/core/ids.hpp"
#include "hub/exchange/answer_json.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/identifiers/typed.hpp"
#include "hub/text/json.hpp"

namespace hub::api {
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {

const std::set<std::string, std::less<>> kPurposes = {"IMMATRICULATION", "AFFILIATION",
                                                      "AYANTS_DROIT", "CONTROLE"};
const std::set<std::string, std::less<>> kCategories = {"SALARIE", "TNS", "AMO_TADAMON",
                                                        "AMO_ACHAMIL"};

Error bad(std::string pointer, std::string what) {
  return make_error(Errc::invalid_input, pointer + ": " + what);
}

// Reads a JSON object whose members are all strings and all among `allowed`.
Result<std::map<std::string, std::string>> read_body(
    const http::Request& req, const std::set<std::string, std::less<>>& allowed) {
  auto read = text::read_client_body(req.body());
  if (!read) return read.error();
  const rapidjson::Document& doc = *read;
  if (!doc.IsObject()) return bad("/", "the body must be a JSON object");
  std::map<std::string, std::string> out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    if (!allowed.contains(key)) return bad("/" + key, "unknown field");
    if (!it->value.IsString()) return bad("/" + key, "must be a string");
    out[key] = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return out;
}

// The answer's body is moved into the response, not copied (it is the whole prefill answer).
http::Response answer(exchange::PrefillResult&& r, const http::RequestContext& ctx,
                      unsigned version) {
  if (r.error) return http::error_response(*r.error, ctx, version);
  auto res = http::json_response(r.status, std::move(r.body), version);
  if (r.retry_after.count() > 0)
    res.set(bhttp::field::retry_after, std::to_string(r.retry_after.count()));
  return res;
}

// ?provenance=full|compact|none (docs/openapi/prefill.yaml); full when absent.
Result<exchange::ProvenanceForm> provenance_of(const http::Request& req) {
  auto v = http::query_param(req.target(), "provenance");
  if (!v) return exchange::ProvenanceForm::full;
  if (auto form = exchange::provenance_form(*v)) return *form;
  return bad("/provenance", "must be full, compact or none");
}

exchange::Caller caller_of(const http::Request& req, const http::RequestContext& ctx) {
  exchange::Caller c;
  c.principal = ctx.principal ? ctx.principal->name : "";
  // Partners expect a UUID; a client's own, non-UUID id is kept for the client, not sent on.
  c.correlation_id = is_uuid(ctx.correlation_id) ? ctx.correlation_id : new_uuid();
  const auto cc = req[bhttp::field::cache_control];
  c.no_cache = cc.find("no-cache") != std::string_view::npos;
  return c;
}

}  // namespace

void add_prefill_routes(http::Router& router, exchange::Broker& broker) {
  router.add(
      bhttp::verb::post, "/v1/prefill/person", "registration",
      [&broker](const http::Request& req,
                http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto provenance = provenance_of(req);
        if (!provenance) co_return http::error_response(provenance.error(), ctx, req.version());
        auto body = read_body(req, {"cnie", "purpose", "category"});
        if (!body) co_return http::error_response(body.error(), ctx, req.version());
        auto& b = *body;
        if (!b.contains("cnie")) {
          co_return http::error_response(bad("/cnie", "is required"), ctx, req.version());
        }
        // As people type it ("bk 123 456"), read into the contract's form ("BK123456").
        if (auto typed = identifiers::typed_letters_and_digits(b["cnie"])) b["cnie"] = *typed;
        if (auto problem = identifiers::cnie_problem(b["cnie"])) {
          co_return http::error_response(bad("/cnie", *problem), ctx, req.version());
        }
        if (!b.contains("purpose")) {
          co_return http::error_response(
              bad("/purpose",
                  "the legal purpose is required (IMMATRICULATION, AFFILIATION, "
                  "AYANTS_DROIT or CONTROLE)"),
              ctx, req.version());
        }
        if (!kPurposes.contains(b["purpose"])) {
          co_return http::error_response(
              bad("/purpose", "must be IMMATRICULATION, AFFILIATION, AYANTS_DROIT or CONTROLE"),
              ctx, req.version());
        }
        if (b.contains("category") && !kCategories.contains(b["category"])) {
          co_return http::error_response(
              bad("/category", "must be SALARIE, TNS, AMO_TADAMON or AMO_ACHAMIL"), ctx,
              req.version());
        }
        exchange::PrefillRequest pr;
        pr.recipe = "person";
        pr.params = {{"cnie", b["cnie"]}};
        pr.purpose = b["purpose"];
        pr.category = b.contains("category") ? b["category"] : "";
        pr.provenance = *provenance;
        auto r = co_await broker.prefill(std::move(pr), caller_of(req, ctx));
        co_return answer(std::move(r), ctx, req.version());
      });

  router.add(
      bhttp::verb::post, "/v1/prefill/employer", "registration",
      [&broker](const http::Request& req,
                http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto provenance = provenance_of(req);
        if (!provenance) co_return http::error_response(provenance.error(), ctx, req.version());
        auto body = read_body(req, {"ice", "tribunal", "rc", "purpose"});
        if (!body) co_return http::error_response(body.error(), ctx, req.version());
        auto& b = *body;
        exchange::PrefillRequest pr;
        pr.provenance = *provenance;
        pr.purpose = b.contains("purpose") ? b["purpose"] : "AFFILIATION";
        if (!kPurposes.contains(pr.purpose)) {
          co_return http::error_response(
              bad("/purpose", "must be IMMATRICULATION, AFFILIATION, AYANTS_DROIT or CONTROLE"),
              ctx, req.version());
        }
        if (b.contains("ice")) {
          if (b.contains("tribunal") || b.contains("rc")) {
            co_return http::error_response(
                bad("/ice", "give either an ICE or a tribunal and an RC number, not both"), ctx,
                req.version());
          }
          if (auto typed = identifiers::typed_digits(b["ice"])) b["ice"] = *typed;
          if (auto problem = identifiers::ice_problem(b["ice"])) {
            co_return http::error_response(bad("/ice", *problem), ctx, req.version());
          }
          pr.recipe = "employer_by_ice";
          pr.params = {{"ice", b["ice"]}};
        } else if (b.contains("tribunal") || b.contains("rc")) {
          const std::string t = b.contains("tribunal") ? b["tribunal"] : "";
          std::string rc = b.contains("rc") ? b["rc"] : "";
          if (auto typed = identifiers::typed_digits(rc)) rc = *typed;
          if (t.empty() || t.size() > 32 ||
              !std::all_of(t.begin(), t.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            co_return http::error_response(
                bad("/tribunal", "the court's code in capitals is required (e.g. CASABLANCA)"), ctx,
                req.version());
          }
          if (auto problem = identifiers::rc_problem(rc)) {
            co_return http::error_response(bad("/rc", *problem), ctx, req.version());
          }
          pr.recipe = "employer_by_rc";
          pr.params = {{"tribunal", t}, {"rc", rc}};
        } else {
          co_return http::error_response(
              bad("/ice", "an ICE, or a tribunal and an RC number, is required"), ctx,
              req.version());
        }
        if (!broker.has_recipe(pr.recipe)) {
          co_return http::error_response(
              make_error(Errc::internal, "the recipe '" + pr.recipe + "' is not configured"), ctx,
              req.version());
        }
        auto r = co_await broker.prefill(std::move(pr), caller_of(req, ctx));
        co_return answer(std::move(r), ctx, req.version());
      });
}

}  // namespace hub::api
