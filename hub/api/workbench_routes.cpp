#include "hub/api/workbench_routes.hpp"

#include <charconv>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "hub/audit/base64.hpp"
#include "hub/audit/digest.hpp"
#include "hub/text/json.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;
using workbench::Answer;
using Work = std::function<Result<Answer>(const Request&, RequestContext&, const std::string&)>;

constexpr const char* kAuthor = "mapping_author";
constexpr const char* kApprover = "mapping_approver";

std::string principal_of(const RequestContext& ctx) {
  return ctx.principal ? ctx.principal->name : "";
}

bool reader(const RequestContext& ctx) {
  return ctx.principal && (ctx.principal->has_role(kAuthor) || ctx.principal->has_role(kApprover));
}

Result<std::int64_t> number(std::string_view text, const std::string& where) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1)
    return make_error(Errc::invalid_input, where + ": a version number (1, 2, ...)",
                      "invalid_input");
  return n;
}

// The body's object; an empty body reads as {} where nothing is required.
Result<rapidjson::Document> body_of(const Request& req) {
  if (req.body().empty()) {
    rapidjson::Document d;
    d.SetObject();
    return d;
  }
  auto d = text::read_client_body(req.body());
  if (d && !d->IsObject())
    return make_error(Errc::invalid_input, "/: the body is a JSON object", "invalid_input");
  return d;
}

std::string string_of(const rapidjson::Document& d, const char* key) {
  return d.HasMember(key) && d[key].IsString()
             ? std::string(d[key].GetString(), d[key].GetStringLength())
             : std::string();
}

Result<std::string> required_string(const rapidjson::Document& d, const char* key) {
  if (!d.HasMember(key) || !d[key].IsString())
    return make_error(Errc::invalid_input, std::string("/") + key + ": a string is required",
                      "invalid_input");
  return string_of(d, key);
}

// A case's input: "input" (text), or "input_base64" for bytes that are not UTF-8 (a case about
// bad bytes, as GET gives it).
Result<std::string> case_input(const rapidjson::Document& d) {
  if (!d.HasMember("input_base64")) return required_string(d, "input");
  auto bytes = audit::base64_decode(string_of(d, "input_base64"));
  if (!bytes)
    return make_error(Errc::invalid_input, "/input_base64: base64 (RFC 4648 section 4)",
                      "invalid_input");
  return std::move(*bytes);
}

// Appends the action to the journal and waits until it is durable.
asio::awaitable<void> journal(const WorkbenchRoutes& r, const RequestContext& ctx,
                              const std::string& action, const std::string& mapping,
                              const std::string& outcome) {
  if (!r.journal) co_return;
  audit::ExchangeRecord rec;
  rec.principal = principal_of(ctx);
  rec.purpose = "MAPPING_WORKBENCH";
  rec.correlation_id = ctx.correlation_id;
  rec.partner = "workbench";
  rec.operation = "workbench." + action;
  rec.identifier = mapping;
  rec.outcome = outcome;
  rec.response_body_sha256 = audit::sha256_hex("");
  (void)co_await r.journal->durable(r.journal->append(std::move(rec)));
}

// A route's handler: checks the reading roles when `role` is "", runs the work on the pool, and
// journals it when `action` is not "" (a changing action).
http::Handler handler(WorkbenchRoutes r, std::string role, std::string action, Work work) {
  return [r, role, action, work](const Request& req,
                                 RequestContext& ctx) -> asio::awaitable<Response> {
    if (role.empty() && !reader(ctx))
      co_return http::error_response(make_error(Errc::forbidden,
                                                "this operation needs the role mapping_author or "
                                                "mapping_approver"),
                                     ctx, req.version());
    if (!action.empty() && r.journal) {
      if (auto refused = r.journal->refusal())
        co_return http::error_response(*refused, ctx, req.version());
    }
    const std::string principal = principal_of(ctx);
    auto answer = co_await r.pool->run<Result<Answer>>(
        [&req, &ctx, &principal, &work] { return work(req, ctx, principal); });
    if (!action.empty()) {
      // Named locals, not temporaries, around co_await (GCC 12 destroys a conditional
      // expression's temporaries in a coroutine twice).
      std::string mapping;
      if (answer && !answer->mapping.empty()) {
        mapping = answer->mapping;
      } else if (auto it = ctx.params.find("id"); it != ctx.params.end()) {
        mapping = it->second;
      }
      if (auto d = ctx.params.find("draft"); d != ctx.params.end()) mapping += "#" + d->second;
      std::string outcome = "ok";
      if (!answer) outcome = std::string(answer.error().wire_code());
      co_await journal(r, ctx, action, mapping, outcome);
    }
    if (!answer) co_return http::error_response(answer.error(), ctx, req.version());
    co_return http::json_response(answer->status, std::move(answer->body), req.version());
  };
}

void add_reading(http::Router& router, const WorkbenchRoutes& r) {
  auto* wb = r.workbench;
  router.add(bhttp::verb::get, "/admin/v1/mappings", "",
             handler(r, "", "", [wb](auto&, auto&, auto&) { return wb->list_mappings(); }));
  router.add(bhttp::verb::get, "/admin/v1/mappings/{id}/versions", "",
             handler(r, "", "", [wb](auto&, RequestContext& ctx, auto&) {
               return wb->list_versions(ctx.params.at("id"));
             }));
  router.add(bhttp::verb::get, "/admin/v1/mappings/{id}/versions/{v}", "",
             handler(r, "", "", [wb](auto&, RequestContext& ctx, auto&) -> Result<Answer> {
               auto v = number(ctx.params.at("v"), "/v");
               if (!v) return v.error();
               return wb->get_version(ctx.params.at("id"), *v);
             }));
  router.add(
      bhttp::verb::get, "/admin/v1/mappings/{id}/diff", "",
      handler(r, "", "", [wb](const Request& req, RequestContext& ctx, auto&) -> Result<Answer> {
        auto from = number(http::query_param(req.target(), "from").value_or(""), "/from");
        if (!from) return from.error();
        auto to = number(http::query_param(req.target(), "to").value_or(""), "/to");
        if (!to) return to.error();
        return wb->diff(ctx.params.at("id"), *from, *to);
      }));
  router.add(bhttp::verb::get, "/admin/v1/drafts", "",
             handler(r, "", "", [wb](auto&, auto&, auto&) { return wb->list_drafts(); }));
  router.add(bhttp::verb::get, "/admin/v1/drafts/{draft}", "",
             handler(r, "", "", [wb](auto&, RequestContext& ctx, auto&) {
               return wb->get_draft(ctx.params.at("draft"));
             }));
}

void add_drafting(http::Router& router, const WorkbenchRoutes& r) {
  auto* wb = r.workbench;
  router.add(bhttp::verb::post, "/admin/v1/mappings/{id}/drafts", kAuthor,
             handler(r, kAuthor, "draft_created",
                     [wb](const Request& req, RequestContext& ctx,
                          const std::string& who) -> Result<Answer> {
                       auto body = body_of(req);
                       if (!body) return body.error();
                       std::optional<std::int64_t> from;
                       if (body->HasMember("from_version")) {
                         if (!(*body)["from_version"].IsInt64())
                           return make_error(Errc::invalid_input, "/from_version: a version number",
                                             "invalid_input");
                         from = (*body)["from_version"].GetInt64();
                       }
                       return wb->create_draft(ctx.params.at("id"), from, who);
                     }));
  router.add(bhttp::verb::put, "/admin/v1/drafts/{draft}", kAuthor,
             handler(r, kAuthor, "draft_edited",
                     [wb](const Request& req, RequestContext& ctx,
                          const std::string& who) -> Result<Answer> {
                       auto body = body_of(req);
                       if (!body) return body.error();
                       auto yaml = required_string(*body, "yaml");
                       if (!yaml) return yaml.error();
                       return wb->edit_yaml(ctx.params.at("draft"), *yaml, who);
                     }));
  router.add(
      bhttp::verb::put, "/admin/v1/drafts/{draft}/cases/{case}", kAuthor,
      handler(
          r, kAuthor, "case_edited",
          [wb](const Request& req, RequestContext& ctx, const std::string& who) -> Result<Answer> {
            auto body = body_of(req);
            if (!body) return body.error();
            auto input = case_input(*body);
            if (!input) return input.error();
            if (!body->HasMember("expected"))
              return make_error(Errc::invalid_input, "/expected: required", "invalid_input");
            const auto& e = (*body)["expected"];
            std::string expected = e.IsString() ? string_of(*body, "expected") : "";
            if (!e.IsString()) {
              rapidjson::StringBuffer buf;
              rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
              w.SetIndent(' ', 2);
              e.Accept(w);
              expected = std::string(buf.GetString(), buf.GetSize()) + "\n";
            }
            return wb->edit_case(ctx.params.at("draft"), ctx.params.at("case"), *input,
                                 string_of(*body, "format"), expected, who);
          }));
  auto on_draft = [&](const char* path, const char* action,
                      Result<Answer> (workbench::Workbench::*f)(const std::string&)) {
    router.add(bhttp::verb::post, path, kAuthor,
               handler(r, kAuthor, action, [wb, f](auto&, RequestContext& ctx, auto&) {
                 return (wb->*f)(ctx.params.at("draft"));
               }));
  };
  on_draft("/admin/v1/drafts/{draft}/validate", "validated", &workbench::Workbench::validate);
  on_draft("/admin/v1/drafts/{draft}/cases/run", "cases_run", &workbench::Workbench::run_cases);
  on_draft("/admin/v1/drafts/{draft}/replay", "replayed", &workbench::Workbench::replay);
  router.add(bhttp::verb::post, "/admin/v1/drafts/{draft}/dry-run", kAuthor,
             handler(r, kAuthor, "dry_run",
                     [wb](const Request& req, RequestContext& ctx, auto&) -> Result<Answer> {
                       auto body = body_of(req);
                       if (!body) return body.error();
                       auto payload = required_string(*body, "payload");
                       if (!payload) return payload.error();
                       return wb->dry_run(ctx.params.at("draft"), *payload);
                     }));
}

void add_publishing(http::Router& router, const WorkbenchRoutes& r) {
  auto* wb = r.workbench;
  router.add(
      bhttp::verb::post, "/admin/v1/drafts/{draft}/publish", kAuthor,
      handler(
          r, kAuthor, "publish_asked",
          [wb](const Request& req, RequestContext& ctx, const std::string& who) -> Result<Answer> {
            auto body = body_of(req);
            if (!body) return body.error();
            return wb->ask_publish(ctx.params.at("draft"), string_of(*body, "reason"), who);
          }));
  router.add(
      bhttp::verb::post, "/admin/v1/drafts/{draft}/approve", kApprover,
      handler(r, kApprover, "approved", [wb](auto&, RequestContext& ctx, const std::string& who) {
        return wb->approve(ctx.params.at("draft"), who);
      }));
  router.add(bhttp::verb::post, "/admin/v1/drafts/{draft}/reject", kApprover,
             handler(r, kApprover, "rejected",
                     [wb](const Request& req, RequestContext& ctx,
                          const std::string& who) -> Result<Answer> {
                       auto body = body_of(req);
                       if (!body) return body.error();
                       return wb->reject(ctx.params.at("draft"), string_of(*body, "reason"), who);
                     }));
  router.add(bhttp::verb::post, "/admin/v1/mappings/{id}/rollback", kApprover,
             handler(r, kApprover, "rolled_back",
                     [wb](const Request& req, RequestContext& ctx,
                          const std::string& who) -> Result<Answer> {
                       auto body = body_of(req);
                       if (!body) return body.error();
                       if (!body->HasMember("to_version") || !(*body)["to_version"].IsInt64())
                         return make_error(Errc::invalid_input, "/to_version: a version number",
                                           "invalid_input");
                       return wb->rollback(ctx.params.at("id"), (*body)["to_version"].GetInt64(),
                                           string_of(*body, "reason"), who);
                     }));
}

}  // namespace

void add_workbench_routes(http::Router& router, WorkbenchRoutes routes) {
  add_reading(router, routes);
  add_drafting(router, routes);
  add_publishing(router, routes);
}

}  // namespace hub::api
