#include "hub/events/inbox.hpp"

#include <algorithm>

#include "hub/audit/base64.hpp"
#include "hub/audit/digest.hpp"
#include "hub/cluster/lease.hpp"
#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/events/records.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"

namespace hub::events {
namespace {

namespace json = registry::json;
namespace streams = registry::streams;

constexpr std::string_view kKind = streams::kPartnerEventKind;
constexpr std::string_view kRefusedKind = streams::kRefusedPartnerEventKind;
constexpr std::size_t kPage = 200;

std::string stream_of(const std::string& partner, const std::string& event_id) {
  return streams::partner_event(partner, event_id);
}

Error no_event_source(const std::string& principal) {
  return make_error(Errc::forbidden, "principal '" + principal + "' pushes no events",
                    "no_event_source");
}

// Why a mapped delivery cannot be recorded, if it cannot.
std::optional<Error> refusal(const Result<mapping::MappedRecord>& mapped,
                             const std::optional<json::Doc>& record, const std::string& event_id) {
  if (!mapped) {
    return make_error(Errc::invalid_input, "the event cannot be read: " + mapped.error().message,
                      std::string(mapped.error().wire_code()));
  }
  if (!record || !record->IsObject()) {
    return make_error(Errc::internal, "the mapping gave a record that is not JSON");
  }
  if (auto p = event_id_problem(event_id)) {
    return make_error(Errc::invalid_input, "/event_id: " + *p, "invalid_event_id");
  }
  return std::nullopt;
}

// The one provenance entry of every field of the event.
json::Doc provenance_of(const std::string& partner, const mapping::MappedRecord& mapped,
                        const std::string& correlation_id, const std::string& received_at,
                        const std::string& event_id) {
  json::Doc prov = json::object();
  json::set_string(prov, "/partner", partner);
  json::set_string(prov, "/mapping", mapped.mapping_id());
  prov.AddMember("version", mapped.version(), prov.GetAllocator());
  json::set_string(prov, "/correlation_id", correlation_id);
  json::set_string(prov, "/fetched_at", received_at);
  json::set_string(prov, "/event_id", event_id);
  return prov;
}

void add_problems(json::Doc& state, const mapping::MappedRecord& mapped) {
  if (mapped.problems.empty()) return;
  json::Doc problems(rapidjson::kArrayType);
  auto& a = problems.GetAllocator();
  for (const auto& p : mapped.problems) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("field", rapidjson::Value(p.field.c_str(), a), a);
    v.AddMember("code", rapidjson::Value(p.code.c_str(), a), a);
    v.AddMember("message", rapidjson::Value(p.message.c_str(), a), a);
    problems.PushBack(v, a);
  }
  json::set(state, "/problems", problems);
}

// A final refusal marks the event not_applicable; any other error may pass and is retried.
bool is_final(const Error& e) {
  return e.code == Errc::invalid_input || e.code == Errc::unprocessable ||
         e.code == Errc::not_found;
}

}  // namespace

Inbox::Inbox(std::vector<config::EventSource> sources, store::Store& store,
             mapping::Catalog& mappings, Applier& applier, const registry::Clock& clock,
             audit::Journal* journal, http::Metrics* metrics, std::chrono::milliseconds await)
    : sources_(std::move(sources)),
      store_(store),
      mappings_(mappings),
      applier_(applier),
      clock_(clock),
      journal_(journal),
      metrics_(metrics),
      await_(await) {}

bool Inbox::applies(const std::string& kind) const {
  const auto kinds = applier_.kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

Result<void> Inbox::check() const {
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

const config::EventSource* Inbox::source_of(const std::string& principal) const {
  for (const auto& s : sources_) {
    if (s.principal == principal) return &s;
  }
  return nullptr;
}

audit::Ticket Inbox::journal(const std::string& principal, const std::string& partner,
                             const std::string& correlation_id, const std::string& event_id,
                             const std::string& outcome, const std::string& body,
                             bool with_receipt) {
  if (metrics_ != nullptr) {
    metrics_->increment("cnss_partner_events_total",
                        "Event deliveries partners pushed, by partner and outcome",
                        {{"partner", partner}, {"outcome", outcome}});
  }
  if (journal_ == nullptr) return 0;
  auto r =
      event_entry(principal, partner, correlation_id, event_id, "event_received", outcome, body);
  if (with_receipt) return journal_->append_with_receipt(std::move(r));
  journal_->append(std::move(r));
  return 0;
}

void Inbox::keep_refused(const config::EventSource& source, const std::string& body,
                         const std::string& correlation_id, const Error& why) {
  // The partner keeps its event and is told why; the hub keeps the delivery as it came, so that
  // an administrator can see what a partner sends that its mapping cannot read.
  json::Doc data = json::object();
  json::set_string(data, "/partner", source.partner);
  json::set_string(data, "/mapping", source.mapping);
  json::set_string(data, "/error/code", std::string(why.wire_code()));
  json::set_string(data, "/error/message", why.message);
  json::set_string(data, "/body_base64", audit::base64_encode(body));
  json::set_string(data, "/body_sha256", audit::sha256_hex(body));
  json::set_string(data, "/received_at", log::now_iso8601());
  const std::string text = json::dump(data);
  store::RecordCommit commit =
      commit_of({streams::refused_partner_event(source.partner, new_uuid()), kRefusedKind, 0,
                 "partner_event.refused", source.principal, why.message, source.partner,
                 correlation_id, text, text, clock_.now_ms(), std::string(kRefused)});
  if (auto r = store_.commit_records(commit); !r) {
    log::error("a refused partner event could not be kept",
               {{"partner", source.partner}, {"error", r.error().message}});
  }
}

Result<Answer> Inbox::receive(const std::string& principal, const std::string& body,
                              const std::string& correlation_id, audit::Ticket* receipt) {
  const config::EventSource* source = source_of(principal);
  if (source == nullptr) return no_event_source(principal);
  auto snapshot = mappings_.current();
  if (!snapshot || !snapshot->find(source->mapping)) {
    // The hub's configuration, not the partner's event: a 5xx, so that the partner retries.
    return make_error(Errc::internal, "the mapping " + source->mapping + " is not loaded",
                      "mapping_not_loaded");
  }
  const std::string received_at = log::now_iso8601();
  if (observe_payload_) observe_payload_(source->mapping, body);
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
  const std::string event_id = record ? json::text(*record, "/event_id").value_or("") : "";
  if (auto refused = refusal(mapped, record, event_id)) {
    keep_refused(*source, body, correlation_id, *refused);
    journal(principal, source->partner, correlation_id, event_id,
            "refused_" + std::string(refused->wire_code()), body);
    return *refused;
  }
  return this->record(*source, principal, body, *mapped, *record, correlation_id, received_at,
                      receipt);
}

Result<Answer> Inbox::record(const config::EventSource& source, const std::string& principal,
                             const std::string& body, const mapping::MappedRecord& mapped,
                             const json::Doc& record, const std::string& correlation_id,
                             const std::string& received_at, audit::Ticket* receipt) {
  const std::string event_id = json::text(record, "/event_id").value_or("");
  const std::string sha = audit::sha256_hex(body);
  json::Doc state = json::object();
  json::set_string(state, "/partner", source.partner);
  json::set_string(state, "/event_id", event_id);
  json::set_string(state, "/entity", mapped.entity());
  json::set_string(state, "/type", json::text(record, "/type").value_or(""));
  json::set_string(state, "/status", kRecorded);
  json::set_string(state, "/received_at", received_at);
  json::set_string(state, "/principal", principal);
  json::set_string(state, "/correlation_id", correlation_id);
  json::set_string(state, "/body_sha256", sha);
  json::set(state, "/record", record);
  json::set(state, "/provenance",
            provenance_of(source.partner, mapped, correlation_id, received_at, event_id));
  add_problems(state, mapped);

  json::Doc data = json::object();
  json::set_string(data, "/body", body);
  json::set_string(data, "/body_sha256", sha);
  json::set(data, "/record", record);
  if (auto fields = json::parse(mapped.provenance_json())) json::set(data, "/provenance", *fields);

  const std::string stream = stream_of(source.partner, event_id);
  const std::string data_text = json::dump(data);
  // What it waits for is known from its first write: a fact written after it is recorded marks
  // it due, even while its first application runs.
  auto stored = store_.commit_records(commit_of(
      {stream, kKind, 0, "partner_event.received", principal, "", source.partner, correlation_id,
       data_text, json::dump(state), clock_.now_ms(), std::string(kRecorded),
       waits_of(applier_.waits_for(mapped.entity(), json::dump(record)))}));
  if (!stored && stored.error().code == Errc::conflict) {
    return redelivered(source, principal, stream, event_id, body, data_text, correlation_id,
                       receipt);
  }
  if (!stored) return stored.error();
  const auto ticket =
      journal(principal, source.partner, correlation_id, event_id, "recorded", body, receipt);
  if (receipt) *receipt = ticket;

  // Recorded: the partner may now be told so. Applying it is the hub's business from here on.
  std::string outcome;
  apply_once(stream, 1, state, &outcome);
  json::Doc out = json::object();
  json::set_string(out, "/event_id", event_id);
  json::set_string(out, "/status", kRecorded);
  json::set(out, "/outcome", parsed(outcome));
  return Answer{Answer::Kind::recorded, json::dump(out)};
}

Result<Answer> Inbox::redelivered(const config::EventSource& source, const std::string& principal,
                                  const std::string& stream, const std::string& event_id,
                                  const std::string& body, const std::string& data,
                                  const std::string& correlation_id, audit::Ticket* receipt) {
  // Already recorded: a redelivery. One that differs from the first is kept beside it.
  auto first = store_.read_record(stream);
  if (!first) return first.error();
  if (!*first) return make_error(Errc::internal, "event " + event_id + " vanished");
  const json::Doc had = parsed((*first)->state);
  std::string outcome = "duplicate";
  if (json::text(had, "/body_sha256").value_or("") != audit::sha256_hex(body)) {
    outcome = "duplicate_different_body";
    log::warn("a partner sent an event id again with another body: the first is kept",
              {{"partner", source.partner}, {"event_id", event_id}});
    (void)store_.commit_records(commit_of(
        {stream, kKind, (*first)->version, "partner_event.redelivered_different", principal,
         "the same event id with another body; the first one stands", source.partner,
         correlation_id, data, (*first)->state, clock_.now_ms(), (*first)->label}));
    // A concurrent change: the warning above remains.
  }
  const auto ticket =
      journal(principal, source.partner, correlation_id, event_id, outcome, body, receipt);
  if (receipt) *receipt = ticket;
  json::Doc out = json::object();
  json::set_string(out, "/event_id", event_id);
  json::set_string(out, "/status", "duplicate");
  json::set_string(out, "/first_received_at", json::text(had, "/received_at").value_or(""));
  json::set_string(out, "/state", json::text(had, "/status").value_or(""));
  return Answer{Answer::Kind::duplicate, json::dump(out)};
}

Claimed Inbox::apply_once(const std::string& stream, std::int64_t version, const json::Doc& state,
                          std::string* outcome_json, std::string_view label) {
  const Claimed c = apply_claimed(
      store_, cluster::node_id(), stream, version,
      [&] { apply(stream, version, state, outcome_json); }, label);
  if (c == Claimed::failed) pending_ = true;
  if (c != Claimed::applied && outcome_json) {
    *outcome_json = c == Claimed::failed ? R"({"applied":"later"})" : R"({"applied":"elsewhere"})";
  }
  return c;
}

void Inbox::apply(const std::string& stream, std::int64_t version, const json::Doc& state,
                  std::string* outcome_json) {
  const std::string entity = json::text(state, "/entity").value_or("");
  const std::string partner = json::text(state, "/partner").value_or("");
  const json::Value* record = json::find(state, "/record");
  const json::Value* prov = json::find(state, "/provenance");
  if (record == nullptr || prov == nullptr) return;
  Delivery caller;
  caller.principal = json::text(state, "/principal").value_or(partner);
  caller.correlation_id = json::text(state, "/correlation_id").value_or("");
  caller.chosen_family = json::text(state, "/choice/family").value_or("");
  caller.chosen_member = json::text(state, "/choice/member").value_or("");
  // The kind recorded with the event (its mapping's target) says which operation applies it.
  const std::string record_json = json::dump(*record);
  Result<json::Doc> r = applier_.apply(entity, record_json, json::dump(*prov), caller);
  const bool again = json::text(state, "/status") == kApplied;
  const bool awaiting = !r && r.error().detail == kAwaitingFacts;
  count_attempt(partner, r ? kApplied : awaiting ? kAwaitingFacts : r.error().wire_code());
  if (again) {
    if (r) applied_again(stream, version, state, *r);
    return;  // applied already: a refusal now changes nothing of it
  }
  if (!r && !is_final(r.error())) {
    // Waiting for a fact, or perhaps passing (the store, a family changed by someone else).
    if (awaiting) {
      note_awaiting(stream, version, state, r.error(), applier_.waits_for(entity, record_json));
    } else {
      pending_ = true;
      log::warn("a partner event is recorded but not applied yet",
                {{"stream", stream}, {"error", r.error().message}});
    }
    if (outcome_json) *outcome_json = R"({"applied":"later"})";
    return;
  }
  const std::string_view status = r ? kApplied : kNotApplicable;
  json::Doc after;
  after.CopyFrom(state, after.GetAllocator());
  json::set_string(after, "/status", status);
  json::set_string(after, "/applied_at", log::now_iso8601());
  json::Doc result = r ? std::move(*r) : json::object();
  if (!r) {
    json::set_string(result, "/error/code", std::string(r.error().wire_code()));
    json::set_string(result, "/error/message", r.error().message);
    // The facts behind the refusal (ambiguous_member: the candidates, CNIEs masked).
    if (auto details = json::parse(r.error().details_json.empty() ? "{}" : r.error().details_json);
        details && details->IsObject() && !details->ObjectEmpty()) {
      json::set(result, "/error/details", *details);
    }
  }
  json::set(after, "/result", result);
  store::RecordCommit commit =
      commit_of({stream, kKind, version, "partner_event." + std::string(status), caller.principal,
                 r ? "" : r.error().message, partner, caller.correlation_id, json::dump(result),
                 json::dump(after), clock_.now_ms(), std::string(status),
                 // A refused event waits for nothing more; an applied one still waits for the
                 // people it did not concern yet (the other spouse's parents' family...).
                 r ? std::nullopt : std::optional<store::Waits>(store::Waits{})});
  if (auto c = store_.commit_records(commit); !c && c.error().code != Errc::conflict) {
    // The application itself is idempotent: applying it again later changes nothing more.
    pending_ = true;
    log::warn("a partner event was applied but its status not recorded",
              {{"stream", stream}, {"error", c.error().message}});
  }
  if (outcome_json) *outcome_json = json::dump(result);
}

Result<int> Inbox::apply_pending() {
  pending_ = false;
  int applied = 0;
  std::string after;
  // Only the events still "recorded", through the store's label index: the sweep costs what is
  // pending, not what the inbox has ever received.
  for (;;) {
    auto page = store_.list_labelled(std::string(kKind), std::string(kRecorded), after, kPage);
    if (!page) {
      pending_ = true;
      return page.error();
    }
    for (const auto& rec : *page) {
      const json::Doc s = parsed(rec.state);
      if (json::text(s, "/status") != kRecorded) continue;
      if (apply_once(rec.stream, rec.version, s, nullptr) == Claimed::applied) ++applied;
    }
    if (page->size() < kPage) break;
    after = page->back().stream;
  }
  // Then the waiting events on which a fact arrived, and those whose wait is over (waiting.cpp).
  if (auto r = sweep_due(applied); !r) {
    pending_ = true;
    return r.error();
  }
  if (auto r = sweep_expired(applied); !r) {
    pending_ = true;
    return r.error();
  }
  return applied;
}

Result<Answer> Inbox::status(const std::string& principal, const std::string& event_id) {
  const config::EventSource* source = source_of(principal);
  if (source == nullptr) return no_event_source(principal);
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
  return Answer{Answer::Kind::read, json::dump(out)};
}

namespace {

// An event as the inbox lists it.
rapidjson::Value listed(const json::Doc& s, json::Alloc& a) {
  rapidjson::Value item(rapidjson::kObjectType);
  for (const char* k : {"partner", "event_id", "type", "status", "received_at", "applied_at"}) {
    if (auto v = json::text(s, std::string("/") + k)) {
      item.AddMember(rapidjson::Value(k, a), rapidjson::Value(v->c_str(), a), a);
    }
  }
  if (const json::Value* r = json::find(s, "/result")) {
    item.AddMember("result", rapidjson::Value(*r, a), a);
  }
  return item;
}

}  // namespace

Result<Answer> Inbox::list(const std::string& partner, const std::string& status,
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
    auto page = status.empty() ? store_.list_records(std::string(kKind), cursor, kPage)
                               : store_.list_labelled(std::string(kKind), status, cursor, kPage);
    if (!page) return page.error();
    for (const auto& rec : *page) {
      if (rec.stream.compare(0, prefix.size(), prefix) != 0) {
        done = true;  // past the partner's streams
        break;
      }
      last = rec.stream;
      items.PushBack(listed(parsed(rec.state), a), a);
      if (items.Size() >= limit) break;
    }
    if (page->size() < kPage) break;
    cursor = page->back().stream;
  }
  out.AddMember("events", items, a);
  if (items.Size() >= limit && !last.empty()) json::set_string(out, "/next", last);
  return Answer{Answer::Kind::read, json::dump(out)};
}

}  // namespace hub::events
