#include "hub/api/agreement_admin.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hub/agreements/stored.hpp"
#include "hub/config/agreements.hpp"
#include "hub/http/fields.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

Response set_response(const Result<agreements::AgreementSet>& r, const Request& req,
                      const RequestContext& ctx) {
  if (!r) return http::error_response(r.error(), ctx, req.version());
  Response res = http::json_response(
      200, R"({"version":)" + std::to_string(r->version) + R"(,"agreements":)" + r->json + "}",
      req.version());
  res.set(bhttp::field::etag, "\"" + std::to_string(r->version) + "\"");
  return res;
}

Result<agreements::AgreementSet> read(store::Store& store,
                                      const std::vector<config::Principal>& principals) {
  auto st = store.read_record(agreements::kStream);
  if (!st) return st.error();
  if (!*st) return agreements::AgreementSet{};
  auto parsed = config::parse_agreements((*st)->state, "store:agreements", principals);
  return agreements::AgreementSet{(*st)->version, std::move(parsed.agreements), (*st)->state};
}

// The version If-Match names: required, so that a replacement never undoes one it did not see.
// Errors (412): none sent, if_match_required; "*" names no version, if_match_any; a weak tag never
// matches If-Match (RFC 9110 section 13.1.1), weak_etag; anything else, bad_if_match.
Result<std::int64_t> required_if_match(const Request& req) {
  auto it = req.find(bhttp::field::if_match);
  const std::string_view v = it == req.end() ? std::string_view() : std::string_view(it->value());
  auto refuse = [](std::string why, const char* code) {
    return make_error(Errc::precondition_failed, "/headers/If-Match: " + why, code);
  };
  if (v.empty())
    return refuse("required, the ETag of GET /admin/v1/agreements", "if_match_required");
  if (v == "*")
    return refuse("* names no version: send the ETag of GET /admin/v1/agreements", "if_match_any");
  if (v.starts_with("W/"))
    return refuse("a weak entity tag never matches If-Match (RFC 9110 section 13.1.1)",
                  "weak_etag");
  const auto n = http::etag_version(v);
  if (!n) return refuse("not an ETag of GET /admin/v1/agreements", "bad_if_match");
  return *n;
}

std::string history_json(const std::vector<store::RecordEvent>& events) {
  std::string out = R"({"versions":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("version");
    w.Int64(e.version);
    w.Key("type");
    w.String(e.type.c_str());
    w.Key("time_ms");
    w.Int64(e.time_ms);
    w.Key("principal");
    w.String(e.principal.c_str());
    w.Key("reason");
    w.String(e.reason.c_str());
    w.Key("correlation_id");
    w.String(e.correlation_id.c_str());
    w.Key("agreements");
    w.RawValue(e.data.c_str(), e.data.size(), rapidjson::kObjectType);
    w.EndObject();
    out += (i ? "," : "") + std::string(buf.GetString(), buf.GetSize());
  }
  return out + "]}";
}

}  // namespace

void add_agreement_admin_routes(http::Router& router, AgreementAdmin admin,
                                const std::string& admin_role) {
  router.add(bhttp::verb::get, "/admin/v1/agreements", admin_role,
             [admin](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               co_return set_response(co_await admin.pool->run<Result<agreements::AgreementSet>>(
                                          [&] { return read(*admin.store, *admin.principals); }),
                                      req, ctx);
             });
  router.add(bhttp::verb::put, "/admin/v1/agreements", admin_role,
             [admin](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto version = required_if_match(req);
               if (!version) co_return http::error_response(version.error(), ctx, req.version());
               agreements::Change change;
               change.principal = ctx.principal ? ctx.principal->name : "";
               if (auto it = req.find("X-Change-Reason"); it != req.end())
                 change.reason = std::string(it->value());
               change.correlation_id = ctx.correlation_id;
               change.time_ms = admin.clock->now_ms();
               auto snapshot = admin.mappings->current();
               auto r = co_await admin.pool->run<Result<agreements::AgreementSet>>([&] {
                 auto out = agreements::replace(*admin.store, req.body(), *version,
                                                *admin.principals, snapshot->model(), change);
                 if (!out && out.error().code == Errc::conflict) {
                   return Result<agreements::AgreementSet>(make_error(
                       Errc::precondition_failed,
                       "the agreements changed since version " + std::to_string(*version) +
                           ": read them again (GET /admin/v1/agreements)",
                       "stale_version"));
                 }
                 return out;
               });
               co_return set_response(r, req, ctx);
             });
  router.add(bhttp::verb::get, "/admin/v1/agreements/history", admin_role,
             [admin](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto h = co_await admin.pool->run<Result<std::vector<store::RecordEvent>>>(
                   [&] { return agreements::history(*admin.store); });
               if (!h) co_return http::error_response(h.error(), ctx, req.version());
               co_return http::json_response(200, history_json(*h), req.version());
             });
}

}  // namespace hub::api
