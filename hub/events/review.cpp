// The review queue of the events inbox: the partner events a person must decide on, because
// they wait for a fact no partner has sent (awaiting_facts) or because the registry refused them
// (not_applicable), each with the action to take; and an administrator's decision on one, kept
// in the event's stream and the exchange journal (docs/registration.md, "Review queue").
#include <algorithm>

#include "hub/core/log.hpp"
#include "hub/events/inbox.hpp"
#include "hub/events/records.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"

namespace hub::events {
namespace {

namespace json = registry::json;
namespace streams = registry::streams;
constexpr std::string_view kKind = streams::kPartnerEventKind;
constexpr std::size_t kPage = 200;

// Why an event is in the queue; nullopt when it is not (applied, dismissed, or recorded and
// not known to wait for anything).
struct Queued {
  std::string code;
  std::string message;
  std::string since;
};

std::optional<Queued> queued(const json::Doc& s) {
  const auto status = json::text(s, "/status").value_or("");
  // A waiting event (status waiting) is not listed: it applies by itself when the facts arrive,
  // or closes not_concerned (waiting.cpp); the queue counts them.
  if (status == kRecorded && json::find(s, "/awaiting") != nullptr) {
    return Queued{json::text(s, "/awaiting/code").value_or(""),
                  json::text(s, "/awaiting/message").value_or(""),
                  json::text(s, "/awaiting/since").value_or("")};
  }
  if (status == kNotApplicable && json::find(s, "/dismissed") == nullptr) {
    return Queued{json::text(s, "/result/error/code").value_or(""),
                  json::text(s, "/result/error/message").value_or(""),
                  json::text(s, "/applied_at").value_or("")};
  }
  return std::nullopt;
}

// What an agent does about an entry, by the registry's code; `partner` sent the event (its name as
// people write it: "DGCT").
std::string action_for(const std::string& code, const std::string& partner) {
  if (code == kAwaitingFacts) {
    return "The event needs an act the partner has not sent (see the reason). Ask the partner "
           "for it; the event applies by itself once it is recorded. Dismiss the event if it "
           "concerns no family CNSS covers.";
  }
  if (code == "ambiguous_member") {
    return "Several family members fit the event's person by name and birth date alone (see "
           "the candidates). Check with " +
           partner +
           " which one it is, then choose it (decision \"choose\" with the candidate's "
           "family and member): the event is applied to that person; or dismiss the event.";
  }
  if (code == "contradicts_recorded_death") {
    return "The event contradicts a death already recorded. Check both acts with " + partner +
           "; correct the wrong record (PATCH /v1/persons/{cnie}), then retry the event, or "
           "dismiss it.";
  }
  return "The registry refused the event (see the reason). Mend the records concerned by hand "
         "if the event is right, then retry it; otherwise dismiss it.";
}

rapidjson::Value entry(const json::Doc& s, const Queued& q, json::Alloc& a) {
  rapidjson::Value item(rapidjson::kObjectType);
  for (const char* k : {"partner", "event_id", "type", "status", "received_at"}) {
    if (auto v = json::text(s, std::string("/") + k)) {
      item.AddMember(rapidjson::Value(k, a), rapidjson::Value(v->c_str(), a), a);
    }
  }
  item.AddMember("since", rapidjson::Value(q.since.c_str(), a), a);
  rapidjson::Value reason(rapidjson::kObjectType);
  reason.AddMember("code", rapidjson::Value(q.code.c_str(), a), a);
  reason.AddMember("message", rapidjson::Value(q.message.c_str(), a), a);
  item.AddMember("reason", reason, a);
  if (const json::Value* c = json::find(s, "/result/error/details/candidates")) {
    item.AddMember("candidates", rapidjson::Value(*c, a), a);
  }
  std::string partner = "the partner";
  if (auto name = json::text(s, "/partner")) {
    partner = *name;
    for (auto& c : partner) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  item.AddMember("action", rapidjson::Value(action_for(q.code, partner).c_str(), a), a);
  return item;
}

// Up to `limit` queued events with this label, after `after`; `more` when others follow.
Result<std::vector<store::RecordState>> queued_with(store::Store& store, std::string_view label,
                                                    std::string after, std::size_t limit,
                                                    bool& more) {
  std::vector<store::RecordState> out;
  for (;;) {
    auto page = store.list_labelled(std::string(kKind), std::string(label), after, kPage);
    if (!page) return page.error();
    for (auto& rec : *page) {
      if (!queued(parsed(rec.state))) continue;
      if (out.size() == limit) {
        more = true;
        return out;
      }
      out.push_back(std::move(rec));
    }
    if (page->size() < kPage) return out;
    after = page->back().stream;
  }
}

struct Decision {
  std::string decision;
  std::string reason;
  std::string family;  // choose: the candidate's family (immatriculation number) and member
  std::string member;
};

Result<Decision> read_decision(const std::string& body) {
  auto d = json::parse(body);
  if (!d || !d->IsObject()) {
    return make_error(Errc::invalid_input, "/: the body must be a JSON object");
  }
  for (const auto& m : d->GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name != "decision" && name != "reason" && name != "candidate") {
      return make_error(Errc::invalid_input, "/" + std::string(name) + ": unknown field");
    }
  }
  Decision out{json::text(*d, "/decision").value_or(""), json::text(*d, "/reason").value_or(""),
               json::text(*d, "/candidate/family").value_or(""),
               json::text(*d, "/candidate/member").value_or("")};
  if (out.decision != "retry" && out.decision != "dismiss" && out.decision != "choose") {
    return make_error(Errc::invalid_input, "/decision: must be retry, dismiss or choose");
  }
  if (out.reason.empty() || out.reason.size() > 500) {
    return make_error(Errc::invalid_input, "/reason: is required (1 to 500 characters)");
  }
  const bool candidate = json::find(*d, "/candidate") != nullptr;
  if (out.decision == "choose" && (out.family.empty() || out.member.empty())) {
    return make_error(Errc::invalid_input,
                      "/candidate: choose needs the candidate's family and member");
  }
  if (out.decision != "choose" && candidate) {
    return make_error(Errc::invalid_input, "/candidate: only with the decision choose");
  }
  return out;
}

// Whether the member a choice names is one of the entry's candidates (an ambiguous match's).
bool among_candidates(const json::Doc& state, const Decision& d) {
  const json::Value* candidates = json::find(state, "/result/error/details/candidates");
  if (candidates == nullptr || !candidates->IsArray()) return false;
  for (const auto& c : candidates->GetArray()) {
    const json::Value* members = json::find(c, "/members");
    if (members == nullptr || !members->IsArray()) continue;
    for (const auto& m : members->GetArray()) {
      if (json::text(m, "/family") == d.family && json::text(m, "/member") == d.member) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Result<Answer> Inbox::review(const std::string& after, std::size_t limit) {
  bool more = false;
  auto waiting = queued_with(store_, kRecorded, after, limit, more);
  if (!waiting) return waiting.error();
  auto refused = queued_with(store_, kNotApplicable, after, limit, more);
  if (!refused) return refused.error();
  auto all = std::move(*waiting);
  std::move(refused->begin(), refused->end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.stream < b.stream; });
  if (all.size() > limit) {
    all.resize(limit);
    more = true;
  }
  json::Doc out = json::object();
  auto& a = out.GetAllocator();
  rapidjson::Value entries(rapidjson::kArrayType);
  for (const auto& rec : all) {
    const json::Doc s = parsed(rec.state);
    if (auto q = queued(s)) entries.PushBack(entry(s, *q, a), a);
  }
  out.AddMember("entries", entries, a);
  auto waiting_count = store_.count_labelled(std::string(kKind), std::string(kWaiting));
  if (!waiting_count) return waiting_count.error();
  out.AddMember("waiting", *waiting_count, a);
  if (more && !all.empty()) {
    out.AddMember("next", rapidjson::Value(all.back().stream.c_str(), a), a);
  }
  return Answer{Answer::Kind::read, json::dump(out)};
}

Result<Answer> Inbox::resolve(const std::string& principal, const std::string& partner,
                              const std::string& event_id, const std::string& body,
                              const std::string& correlation_id) {
  auto decision = read_decision(body);
  if (!decision) return decision.error();
  if (auto p = event_id_problem(event_id)) return make_error(Errc::invalid_input, "/id: " + *p);
  const std::string stream = streams::partner_event(partner, event_id);
  auto rec = store_.read_record(stream);
  if (!rec) return rec.error();
  const json::Doc state = *rec ? parsed((*rec)->state) : json::object();
  // A waiting event is not listed, but an administrator who knows it concerns no one may still
  // dismiss it (or retry it).
  const bool waiting = json::text(state, "/status") == kWaiting;
  if (!*rec || (!queued(state) && !waiting)) {
    return make_error(Errc::not_found,
                      "no event " + event_id + " of " + partner + " awaits a review", "not_found");
  }
  if (decision->decision == "choose" && !among_candidates(state, *decision)) {
    return make_error(Errc::invalid_input,
                      "/candidate: member " + decision->member + " of family " + decision->family +
                          " is not one of this event's candidates",
                      "not_a_candidate");
  }
  json::Doc after = parsed((*rec)->state);
  const std::string from = json::text(state, "/status").value_or("");
  const bool retry = decision->decision != "dismiss";
  json::Doc review = json::object();
  json::set_string(review, "/decision", decision->decision);
  json::set_string(review, "/by", principal);
  json::set_string(review, "/at", log::now_iso8601());
  json::set_string(review, "/reason", decision->reason);
  json::set_string(review, "/from_status", from);
  if (decision->decision == "choose") {
    json::set_string(review, "/candidate/family", decision->family);
    json::set_string(review, "/candidate/member", decision->member);
    json::set(after, "/choice", *json::find(review, "/candidate"));
  }
  json::set(after, "/last_review", review);
  if (retry) {
    json::set_string(after, "/status", kRecorded);
    for (const char* k : {"/awaiting", "/result", "/applied_at"}) json::erase(after, k);
  } else {
    json::set_string(after, "/status", kNotApplicable);
    json::set(after, "/dismissed", review);
  }
  const std::string label(retry ? kRecorded : kNotApplicable);
  auto c = store_.commit_records(commit_of(
      {stream, kKind, (*rec)->version, "partner_event.reviewed", principal, decision->reason,
       "admin", correlation_id, json::dump(review), json::dump(after), clock_.now_ms(), label,
       retry ? std::nullopt : std::optional<store::Waits>(store::Waits{})}));
  if (!c) return c.error();
  if (retry) pending_ = true;  // the next sweep applies it
  if (journal_ != nullptr) {
    journal_->append(event_entry(principal, partner, correlation_id, event_id, "event_reviewed",
                                 decision->decision, json::dump(review)));
  }
  json::Doc out = json::object();
  json::set_string(out, "/event_id", event_id);
  json::set_string(out, "/partner", partner);
  json::set_string(out, "/status", label);
  json::set(out, "/review", review);
  return Answer{Answer::Kind::read, json::dump(out)};
}

}  // namespace hub::events
