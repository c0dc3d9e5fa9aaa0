// Events that wait for facts (docs/registration.md, "Events that wait for facts"; issue 19, kind
// 4: "an event that matches nothing yet is kept pending and retried when the facts arrive"). An
// event waits on the keys its applier names (Applier::waits_for: CNIEs, birth acts, birth dates),
// kept in the store's waits index from its first write; a commit that writes one of those keys
// (a booklet refresh, an agent's entry, a registration, another event applied) marks it due, and
// the sweep applies again only the due ones. Waiting ones no fact made applicable within
// events.await_days are closed not_concerned; applied ones then stop waiting.
#include "hub/core/log.hpp"
#include "hub/events/inbox.hpp"
#include "hub/events/records.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"

namespace hub::events {
namespace {

namespace json = registry::json;
constexpr std::string_view kKind = registry::streams::kPartnerEventKind;
constexpr std::size_t kPage = 200;

// Calls `each` on every stream `page` lists, page after page (each after the last one listed).
template <typename Page, typename Each>
Result<void> each_stream(Page page, Each each) {
  std::string after;
  for (;;) {
    auto streams = page(after);
    if (!streams) return streams.error();
    for (const auto& stream : *streams) each(stream);
    if (streams->size() < kPage) return {};
    after = streams->back();
  }
}

}  // namespace

std::optional<store::Waits> Inbox::waits_of(const std::vector<std::string>& keys) const {
  if (keys.empty()) return std::nullopt;
  return store::Waits{keys, clock_.now_ms() + await_.count()};
}

void Inbox::count_attempt(const std::string& partner, std::string_view outcome) {
  if (metrics_ == nullptr) return;
  metrics_->increment("cnss_partner_event_attempts_total",
                      "Applications of recorded partner events tried, by partner and outcome "
                      "(awaiting_facts: the event waits for a fact)",
                      {{"partner", partner}, {"outcome", std::string(outcome)}});
}

void Inbox::note_awaiting(const std::string& stream, std::int64_t version,
                          const rapidjson::Document& state, const Error& why,
                          const std::vector<std::string>& keys) {
  const std::string status(keys.empty() ? kRecorded : kWaiting);
  if (json::text(state, "/awaiting/message") == why.message &&
      json::text(state, "/status") == status) {
    return;  // noted already
  }
  if (keys.empty()) pending_ = true;  // nothing to wait on: swept again
  json::Doc after;
  after.CopyFrom(state, after.GetAllocator());
  json::set_string(after, "/status", status);
  json::set_string(after, "/awaiting/code", why.detail);
  json::set_string(after, "/awaiting/message", why.message);
  json::set_string(after, "/awaiting/since", log::now_iso8601());
  json::Doc data = json::object();
  json::set(data, "/awaiting", *json::find(after, "/awaiting"));
  const std::string partner = json::text(state, "/partner").value_or("");
  // The keys again (an event recorded before the waits index had none): those it has keep their
  // state, so a fact written since this attempt read the registry still makes it due.
  auto c = store_.commit_records(commit_of(
      {stream, kKind, version, "partner_event.awaiting_facts", "hub", why.message, partner, "",
       json::dump(data), json::dump(after), clock_.now_ms(), status, waits_of(keys)}));
  // A concurrent change (another node's attempt) notes it instead, or the next sweep does.
  if (!c && c.error().code != Errc::conflict) {
    pending_ = true;
    log::warn("a waiting event could not be noted",
              {{"stream", stream}, {"error", c.error().message}});
  }
}

void Inbox::applied_again(const std::string& stream, std::int64_t version,
                          const rapidjson::Document& state, const rapidjson::Document& result) {
  const json::Value* changed = json::find(result, "/applied");
  if (changed == nullptr || !changed->IsArray() || changed->Empty()) return;  // nothing new
  json::Doc after;
  after.CopyFrom(state, after.GetAllocator());
  json::set_string(after, "/applied_again_at", log::now_iso8601());
  json::set(after, "/result_again", result);
  const std::string partner = json::text(state, "/partner").value_or("");
  auto c = store_.commit_records(
      commit_of({stream, kKind, version, "partner_event.applied_again", "hub",
                 "a fact it waited for arrived", partner, "", json::dump(result), json::dump(after),
                 clock_.now_ms(), std::string(kApplied)}));
  if (!c && c.error().code != Errc::conflict) {
    log::warn("an event applied again could not be noted",
              {{"stream", stream}, {"error", c.error().message}});
  }
}

Result<void> Inbox::sweep_due(int& attempts) {
  return each_stream(
      [&](const std::string& after) { return store_.due_waits(after, kPage); },
      [&](const std::string& stream) {
        // Settled first: a key written while it is applied makes it due again.
        if (!store_.settle_waits(stream)) return;
        auto rec = store_.read_record(stream);
        if (!rec || !*rec) return;
        const std::string label = (*rec)->label;
        if (label != kWaiting && label != kApplied) return;  // swept, or final
        const json::Doc s = parsed((*rec)->state);
        if (apply_once(stream, (*rec)->version, s, nullptr, label) == Claimed::applied) {
          ++attempts;
        }
      });
}

Result<void> Inbox::sweep_expired(int& attempts) {
  const std::int64_t now = clock_.now_ms();
  return each_stream(
      [&](const std::string& after) { return store_.expired_waits(now, after, kPage); },
      [&](const std::string& stream) {
        auto rec = store_.read_record(stream);
        if (!rec) return;
        if (*rec && (*rec)->label == kWaiting) {
          // A last attempt (a fact may have come in a way that marked nothing due), then closed.
          const json::Doc s = parsed((*rec)->state);
          if (apply_once(stream, (*rec)->version, s, nullptr, kWaiting) != Claimed::applied) {
            return;
          }
          ++attempts;
          rec = store_.read_record(stream);
          if (!rec) return;
          if (*rec && (*rec)->label == kWaiting) {
            close_unconcerned(**rec);
            return;
          }
        }
        // Applied, refused or closed: it waits for nothing more. (Recorded: swept anyway.)
        (void)store_.end_waits(stream);
      });
}

void Inbox::close_unconcerned(const store::RecordState& rec) {
  json::Doc after = parsed(rec.state);
  const std::string partner = json::text(after, "/partner").value_or("");
  const std::string event_id = json::text(after, "/event_id").value_or("");
  const std::string days = std::to_string(await_.count() / 86'400'000);
  const std::string why =
      "no fact made the event applicable within " + days + " days (events.await_days)";
  json::set_string(after, "/status", kNotConcerned);
  json::set_string(after, "/closed_at", log::now_iso8601());
  json::set_string(after, "/result/error/code", kNotConcerned);
  json::set_string(after, "/result/error/message", why);
  auto c = store_.commit_records(
      commit_of({rec.stream, kKind, rec.version, "partner_event.not_concerned", "hub", why, partner,
                 "", json::dump(*json::find(after, "/result")), json::dump(after), clock_.now_ms(),
                 std::string(kNotConcerned), store::Waits{}}));
  if (!c) {
    log::warn("a waiting event could not be closed",
              {{"stream", rec.stream}, {"error", c.error().message}});
    return;
  }
  count_attempt(partner, kNotConcerned);
  if (journal_ != nullptr) {
    journal_->append(
        event_entry("hub", partner, "", event_id, "event_closed", std::string(kNotConcerned), why));
  }
}

}  // namespace hub::events
