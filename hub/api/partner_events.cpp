#include "hub/api/partner_events.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>

#include "hub/audit/digest.hpp"
#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
namespace json = registry::json;
namespace streams = registry::streams;
using Answer = InboxAnswer;
using events::Delivery;

constexpr std::string_view kKind = streams::kPartnerEventKind;
constexpr std::string_view kRefusedKind = streams::kRefusedPartnerEventKind;

std::string stream_of(const std::string& partner, const std::string& event_id) {
  return streams::partner_event(partner, event_id);
}

// Event ids are the partner's: any printable ASCII without spaces, at most 128 characters, so that
// they name a stream and show in a URL path segment unchanged.
std::optional<std::string> event_id_problem(const std::string& id) {
  if (id.empty()) return "is empty";
  if (id.size() > 128) return "is longer than 128 characters";
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%') {
      return "holds a character other than printable ASCII (no space, '/', '?', '#' or '%')";
    }
  }
  return std::nullopt;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A write that appends one event to a stream (version expected_version + 1), with the state after.
struct OneEvent {
  std::string stream;
  std::string_view kind;
  std::int64_t expected_version = 0;
  std::string type;
  std::string principal;
  std::string reason;
  std::string source;
  std::string correlation_id;
  std::string data;
  std::string state;
  std::int64_t time_ms = 0;
  std::string label;  // the event's status after the write (indexed: StreamWrite::label)
};

store::RecordCommit one_event(OneEvent o) {
  store::StreamWrite w;
  w.stream = std::move(o.stream);
  w.kind = std::string(o.kind);
  w.expected_version = o.expected_version;
  store::RecordEvent e;
  e.version = o.expected_version + 1;
  e.type = std::move(o.type);
  e.time_ms = o.time_ms;
  e.principal = std::move(o.principal);
  e.reason = std::move(o.reason);
  e.source = std::move(o.source);
  e.correlation_id = std::move(o.correlation_id);
  e.data = std::move(o.data);
  w.events.push_back(std::move(e));
  w.state = std::move(o.state);
  w.label = std::move(o.label);
  store::RecordCommit c;
  c.writes.push_back(std::move(w));
  return c;
}

json::Doc parsed(const std::string& text) {
  auto d = json::parse(text);
  if (d) return std::move(*d);
  return json::object();
}

}  // namespace

EventInbox::EventInbox(std::vector<config::EventSource> sources, store::Store& store,
                       mapping::Catalog& mappings, events::Applier& applier,
                       const registry::Clock& clock, audit::Journal* journal,
                       http::Metrics* metrics)
    : sources_(std::move(sources)),
      store_(store),
      mappings_(mappings),
      applier_(applier),
      clock_(clock),
      journal_(journal),
      metrics_(metrics) {}

bool EventInbox::applies(const std::string& kind) const {
  const auto kinds = applier_.kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

Result<void> EventInbox::check() const {
  auto snapshot = mappings_.current();
  for (const auto& s : sources_) {
    auto m = snapshot ? snapshot->find(s.mapping) : nullptr;
    if (!m) {
      return make_error(Errc::invalid_input, "events source '" + s.partner + "': no mapping '" +
                                                 s.mapping + "' in the mapping set");
    }
    const std::string& entity = m->entity ? m->entity->name : "";
    if (!applies(entity)) {
      std::string known;
      for (const auto& k : applier_.kinds()) known += (known.empty() ? "" : ", ") + k;
      return make_error(Errc::invalid_input, "events source '" + s.partner + "': mapping '" +
                                                 s.mapping + "' reads " + entity +
                                                 ", and the registry applies only " + known);
    }
  }
  return {};
}

const config::EventSource* EventInbox::source_of(const std::string& principal) const {
  for (const auto& s : sources_) {
    if (s.principal == principal) return &s;
  }
  return nullptr;
}

void EventInbox::journal(const std::string& principal, const std::string& partner,
                         const std::string& correlation_id, const std::string& event_id,
                         const std::string& outcome, const std::string& body) {
  if (metrics_ != nullptr) {
    metrics_->increment("cnss_partner_events_total",
                        "Event deliveries partners pushed, by partner and outcome",
                        {{"partner", partner}, {"outcome", outcome}});
  }
  if (journal_ == nullptr) return;
  audit::ExchangeRecord r;
  r.principal = principal;
  r.purpose = "EVENT";
  r.correlation_id = correlation_id;
  r.partner = partner;
  r.operation = "event_received";
  r.identifier = event_id;
  r.outcome = outcome;
  r.response_body_sha256 = audit::sha256_hex(body);
  journal_->append(std::move(r));
}

void EventInbox::keep_refused(const config::EventSource& source, const std::string& body,
                              const std::string& correlation_id, const Error& why) {
  // The partner keeps its event and is told why; the hub keeps the delivery as it came, so that
  // an administrator can see what a partner sends that its mapping cannot read.
  json::Doc data = json::object();
  json::set_string(data, "/partner", source.partner);
  json::set_string(data, "/mapping", source.mapping);
  json::set_string(data, "/error/code", std::string(why.wire_code()));
  json::set_string(data, "/error/message", why.message);
  json::set_string(data, "/body_base64", base64(body));
  json::set_string(data, "/body_sha256", audit::sha256_hex(body));
  json::set_string(data, "/received_at", log::now_iso8601());
  const std::string text = json::dump(data);
  store::RecordCommit commit =
      one_event({streams::refused_partner_event(source.partner, new_uuid()), kRefusedKind, 0,
                 "partner_event.refused", source.principal, why.message, source.partner,
                 correlation_id, text, text, clock_.now_ms(), "refused"});
  if (auto r = store_.commit_records(commit); !r) {
    log::error("a refused partner event could not be kept",
               {{"partner", source.partner}, {"error", r.error().message}});
  }
}

Result<Answer> EventInbox::receive(const std::string& principal, const std::string& body,
                                   const std::string& correlation_id) {
  const config::EventSource* source = source_of(principal);
  if (source == nullptr) {
    return make_error(Errc::forbidden, "principal '" + principal + "' pushes no events",
                      "no_event_source");
  }
  auto snapshot = mappings_.current();
  if (!snapshot || !snapshot->find(source->mapping)) {
    // The hub's configuration, not the partner's event: a 5xx, so that the partner retries.
    return make_error(Errc::internal, "the mapping " + source->mapping + " is not loaded",
                      "mapping_not_loaded");
  }
  const std::string received_at = log::now_iso8601();
  auto mapped = snapshot->map(source->mapping, body, {correlation_id, received_at});
  if (mapped && !applies(mapped->entity())) {
    // A mapping reloaded with another target: the hub's configuration again, not the event.
    return make_error(Errc::internal,
                      "the mapping " + source->mapping + " reads " + mapped->entity() +
                          ", which the registry does not apply",
                      "event_kind_not_applied");
  }
  std::optional<json::Doc> record;
  if (mapped) record = json::parse(mapped->json);
  std::string event_id = record ? json::text(*record, "/event_id").value_or("") : "";
  Error refused;
  if (!mapped) {
    refused = make_error(Errc::invalid_input, "the event cannot be read: " + mapped.error().message,
                         std::string(mapped.error().wire_code()));
  } else if (!record || !record->IsObject()) {
    refused = make_error(Errc::internal, "the mapping gave a record that is not JSON");
  } else if (auto p = event_id_problem(event_id)) {
    refused = make_error(Errc::invalid_input, "/event_id: " + *p, "invalid_event_id");
  }
  if (!refused.message.empty()) {
    keep_refused(*source, body, correlation_id, refused);
    journal(principal, source->partner, correlation_id, event_id,
            "refused_" + std::string(refused.wire_code()), body);
    return refused;
  }

  // The one provenance entry of every field of the event.
  json::Doc prov = json::object();
  json::set_string(prov, "/partner", source->partner);
  json::set_string(prov, "/mapping", mapped->mapping_id());
  prov.AddMember("version", mapped->version(), prov.GetAllocator());
  json::set_string(prov, "/correlation_id", correlation_id);
  json::set_string(prov, "/fetched_at", received_at);
  json::set_string(prov, "/event_id", event_id);

  const std::string sha = audit::sha256_hex(body);
  json::Doc state = json::object();
  json::set_string(state, "/partner", source->partner);
  json::set_string(state, "/event_id", event_id);
  json::set_string(state, "/entity", mapped->entity());
  json::set_string(state, "/type", json::text(*record, "/type").value_or(""));
  json::set_string(state, "/status", "recorded");
  json::set_string(state, "/received_at", received_at);
  json::set_string(state, "/principal", principal);
  json::set_string(state, "/correlation_id", correlation_id);
  json::set_string(state, "/body_sha256", sha);
  json::set(state, "/record", *record);
  json::set(state, "/provenance", prov);
  if (!mapped->problems.empty()) {
    json::Doc problems(rapidjson::kArrayType);
    for (const auto& p : mapped->problems) {
      rapidjson::Value v(rapidjson::kObjectType);
      auto& a = problems.GetAllocator();
      v.AddMember("field", rapidjson::Value(p.field.c_str(), a), a);
      v.AddMember("code", rapidjson::Value(p.code.c_str(), a), a);
      v.AddMember("message", rapidjson::Value(p.message.c_str(), a), a);
      problems.PushBack(v, a);
    }
    json::set(state, "/problems", problems);
  }

  json::Doc data = json::object();
  json::set_string(data, "/body", body);
  json::set_string(data, "/body_sha256", sha);
  json::set(data, "/record", *record);
  if (auto fields = json::parse(mapped->provenance_json())) json::set(data, "/provenance", *fields);

  const std::string stream = stream_of(source->partner, event_id);
  const std::string data_text = json::dump(data);
  const std::string state_text = json::dump(state);
  store::RecordCommit commit =
      one_event({stream, kKind, 0, "partner_event.received", principal, "", source->partner,
                 correlation_id, data_text, state_text, clock_.now_ms(), "recorded"});
  auto stored = store_.commit_records(commit);

  if (!stored && stored.error().code == Errc::conflict) {
    // Already recorded: a redelivery. One that differs from the first is kept beside it.
    auto first = store_.read_record(stream);
    if (!first) return first.error();
    if (!*first) return make_error(Errc::internal, "event " + event_id + " vanished");
    const json::Doc had = parsed((*first)->state);
    const std::string first_sha = json::text(had, "/body_sha256").value_or("");
    std::string outcome = "duplicate";
    if (first_sha != sha) {
      outcome = "duplicate_different_body";
      log::warn("a partner sent an event id again with another body: the first is kept",
                {{"partner", source->partner}, {"event_id", event_id}});
      store::RecordCommit c2 = one_event(
          {stream, kKind, (*first)->version, "partner_event.redelivered_different", principal,
           "the same event id with another body; the first one stands", source->partner,
           correlation_id, data_text, (*first)->state, clock_.now_ms(), (*first)->label});
      (void)store_.commit_records(c2);  // a concurrent change: the warning above remains
    }
    journal(principal, source->partner, correlation_id, event_id, outcome, body);
    json::Doc out = json::object();
    json::set_string(out, "/event_id", event_id);
    json::set_string(out, "/status", "duplicate");
    json::set_string(out, "/first_received_at", json::text(had, "/received_at").value_or(""));
    json::set_string(out, "/state", json::text(had, "/status").value_or(""));
    return Answer{200, json::dump(out)};
  }
  if (!stored) return stored.error();
  journal(principal, source->partner, correlation_id, event_id, "recorded", body);

  // Recorded: the partner may now be told so. Applying it is the hub's business from here on.
  std::string outcome;
  apply(stream, 1, state, &outcome);
  json::Doc out = json::object();
  json::set_string(out, "/event_id", event_id);
  json::set_string(out, "/status", "recorded");
  json::Doc applied = parsed(outcome);
  json::set(out, "/outcome", applied);
  return Answer{202, json::dump(out)};
}

void EventInbox::apply(const std::string& stream, std::int64_t version, const json::Doc& state,
                       std::string* outcome_json) {
  const std::string entity = json::text(state, "/entity").value_or("");
  const std::string partner = json::text(state, "/partner").value_or("");
  const json::Value* record = json::find(state, "/record");
  const json::Value* prov = json::find(state, "/provenance");
  if (record == nullptr || prov == nullptr) return;
  Delivery caller;
  caller.principal = json::text(state, "/principal").value_or(partner);
  caller.correlation_id = json::text(state, "/correlation_id").value_or("");
  // The kind recorded with the event (its mapping's target) says which operation applies it.
  Result<json::Doc> r = applier_.apply(entity, json::dump(*record), json::dump(*prov), caller);
  const bool final_refusal =
      !r && (r.error().code == Errc::invalid_input || r.error().code == Errc::unprocessable ||
             r.error().code == Errc::not_found);
  if (!r && !final_refusal) {
    // Perhaps passing (the store, a family changed by someone else): left recorded, retried.
    pending_ = true;
    log::warn("a partner event is recorded but not applied yet",
              {{"stream", stream}, {"error", r.error().message}});
    if (outcome_json) *outcome_json = R"({"applied":"later"})";
    return;
  }
  json::Doc after;
  after.CopyFrom(state, after.GetAllocator());
  json::set_string(after, "/status", r ? "applied" : "not_applicable");
  json::set_string(after, "/applied_at", log::now_iso8601());
  json::Doc result = r ? std::move(*r) : json::object();
  if (!r) {
    json::set_string(result, "/error/code", std::string(r.error().wire_code()));
    json::set_string(result, "/error/message", r.error().message);
  }
  json::set(after, "/result", result);
  store::RecordCommit commit = one_event(
      {stream, kKind, version, r ? "partner_event.applied" : "partner_event.not_applicable",
       caller.principal, r ? "" : r.error().message, partner, caller.correlation_id,
       json::dump(result), json::dump(after), clock_.now_ms(), r ? "applied" : "not_applicable"});
  if (auto c = store_.commit_records(commit); !c && c.error().code != Errc::conflict) {
    // The application itself is idempotent: applying it again later changes nothing more.
    pending_ = true;
    log::warn("a partner event was applied but its status not recorded",
              {{"stream", stream}, {"error", c.error().message}});
  }
  if (outcome_json) *outcome_json = json::dump(result);
}

Result<int> EventInbox::apply_pending() {
  pending_ = false;
  int applied = 0;
  std::string after;
  // Only the events still "recorded", through the store's label index: the sweep costs what is
  // pending, not what the inbox has ever received.
  for (;;) {
    auto page = store_.list_labelled(std::string(kKind), "recorded", after, 200);
    if (!page) {
      pending_ = true;
      return page.error();
    }
    for (const auto& rec : *page) {
      const json::Doc s = parsed(rec.state);
      if (json::text(s, "/status") != "recorded") continue;
      apply(rec.stream, rec.version, s, nullptr);
      ++applied;
    }
    if (page->size() < 200) break;
    after = page->back().stream;
  }
  return applied;
}

Result<Answer> EventInbox::status(const std::string& principal, const std::string& event_id) {
  const config::EventSource* source = source_of(principal);
  if (source == nullptr) {
    return make_error(Errc::forbidden, "principal '" + principal + "' pushes no events",
                      "no_event_source");
  }
  if (auto p = event_id_problem(event_id)) return make_error(Errc::invalid_input, "/id: " + *p);
  auto rec = store_.read_record(stream_of(source->partner, event_id));
  if (!rec) return rec.error();
  if (!*rec) return make_error(Errc::not_found, "no event " + event_id + " was recorded");
  const json::Doc s = parsed((*rec)->state);
  json::Doc out = json::object();
  for (const char* k : {"/event_id", "/type", "/status", "/received_at", "/applied_at"}) {
    if (auto v = json::text(s, k)) json::set_string(out, k, *v);
  }
  if (const json::Value* r = json::find(s, "/result")) json::set(out, "/result", *r);
  return Answer{200, json::dump(out)};
}

Result<Answer> EventInbox::list(const std::string& partner, const std::string& status,
                                const std::string& after, std::size_t limit) {
  json::Doc out = json::object();
  rapidjson::Value items(rapidjson::kArrayType);
  auto& a = out.GetAllocator();
  // A partner's events are the streams under its prefix, a status is the records' label: both
  // narrow the store's reading itself, so a page costs what it lists.
  const std::string prefix = partner.empty() ? "" : stream_of(partner, "");
  std::string cursor = after < prefix ? prefix : after;
  std::string last;
  bool done = false;
  while (!done && items.Size() < limit) {
    auto page = status.empty() ? store_.list_records(std::string(kKind), cursor, 200)
                               : store_.list_labelled(std::string(kKind), status, cursor, 200);
    if (!page) return page.error();
    for (const auto& rec : *page) {
      if (rec.stream.compare(0, prefix.size(), prefix) != 0) {
        done = true;  // past the partner's streams
        break;
      }
      last = rec.stream;
      const json::Doc s = parsed(rec.state);
      rapidjson::Value item(rapidjson::kObjectType);
      for (const char* k : {"partner", "event_id", "type", "status", "received_at", "applied_at"}) {
        if (auto v = json::text(s, std::string("/") + k)) {
          item.AddMember(rapidjson::Value(k, a), rapidjson::Value(v->c_str(), a), a);
        }
      }
      if (const json::Value* r = json::find(s, "/result")) {
        item.AddMember("result", rapidjson::Value(*r, a), a);
      }
      items.PushBack(item, a);
      if (items.Size() >= limit) break;
    }
    if (page->size() < 200) break;
    cursor = page->back().stream;
  }
  out.AddMember("events", items, a);
  if (items.Size() >= limit && !last.empty()) json::set_string(out, "/next", last);
  return Answer{200, json::dump(out)};
}

namespace {

http::Response render(const Result<Answer>& a, const http::Request& req,
                      const http::RequestContext& ctx) {
  if (!a) return http::error_response(a.error(), ctx, req.version());
  return http::json_response(a->status, a->body, req.version());
}

std::string principal_of(const http::RequestContext& ctx) {
  return ctx.principal ? ctx.principal->name : "";
}

}  // namespace

void add_partner_event_routes(http::Router& router, EventInbox& inbox, registry::StorePool& pool,
                              const std::string& partner_role) {
  router.add(bhttp::verb::post, "/partner/v1/events", partner_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.receive(principal_of(ctx), req.body(), ctx.correlation_id);
               }),
                                req, ctx);
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

void add_event_admin_routes(http::Router& router, EventInbox& inbox, registry::StorePool& pool,
                            const std::string& admin_role) {
  router.add(bhttp::verb::get, "/admin/v1/events", admin_role,
             [&inbox, &pool](const http::Request& req,
                             http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               const std::string status = http::query_param(req.target(), "status").value_or("");
               if (!status.empty() && status != "recorded" && status != "applied" &&
                   status != "not_applicable") {
                 co_return http::error_response(
                     make_error(Errc::invalid_input,
                                "/status: must be recorded, applied or not_applicable"),
                     ctx, req.version());
               }
               std::size_t limit = 100;
               if (auto l = http::query_param(req.target(), "limit")) {
                 char* end = nullptr;
                 const unsigned long n = std::strtoul(l->c_str(), &end, 10);
                 if (l->empty() || *end != '\0' || n < 1 || n > 1000) {
                   co_return http::error_response(
                       make_error(Errc::invalid_input, "/limit: must be an integer from 1 to 1000"),
                       ctx, req.version());
                 }
                 limit = n;
               }
               co_return render(co_await pool.run<Result<Answer>>([&] {
                 return inbox.list(http::query_param(req.target(), "partner").value_or(""), status,
                                   http::query_param(req.target(), "after").value_or(""), limit);
               }),
                                req, ctx);
             });
}

}  // namespace hub::api
