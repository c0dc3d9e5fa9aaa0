// How the inbox keeps events in the store. One stream an event, named by its partner and id
// (registry/streams.hpp: partner-event/<partner>/<event id>, kind partner_event), created by the
// first delivery: its state is the event as recorded, its label (indexed by the store) the
// event's status. One stream a refused delivery (partner-event-refused/<partner>/<uuid>), kept
// with the reason for an administrator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/journal.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"
#include "hub/store/store.hpp"

namespace hub::events {

// An event's status, as its stream's label and its state's /status say.
inline constexpr std::string_view kRecorded = "recorded";  // not applied yet: swept again
inline constexpr std::string_view kApplied = "applied";
inline constexpr std::string_view kNotApplicable = "not_applicable";  // a final refusal
// Waits for a fact no partner has sent (kAwaitingFacts): tried again only when a commit writes a
// key it waits for (store Waits), not at every sweep; closed not_concerned when none has made it
// applicable within events.await_days.
inline constexpr std::string_view kWaiting = "waiting";
inline constexpr std::string_view kNotConcerned = "not_concerned";
// The registry's answer for an event that waits for a fact not recorded yet (a divorce before
// its marriage, a death by birth act before the birth, a marriage of people no family names):
// kept waiting, tried again when the facts arrive.
inline constexpr std::string_view kAwaitingFacts = "awaiting_facts";
// A refused delivery's label.
inline constexpr std::string_view kRefused = "refused";

bool is_status(std::string_view s);

// Event ids are the partner's: any printable ASCII without spaces, at most 128 characters, so that
// they name a stream and show in a URL path segment unchanged. What is wrong with one, if anything.
std::optional<std::string> event_id_problem(const std::string& id);

// One event appended to a stream (version expected_version + 1), with the state after.
struct EventWrite {
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
  std::optional<store::Waits> waits = std::nullopt;  // StreamWrite::waits
};
store::RecordCommit commit_of(EventWrite w);

// The exchange journal's entry for what the inbox did with an event (purpose EVENT; operation
// event_received, event_reviewed), the body it answered by its SHA-256.
audit::ExchangeRecord event_entry(const std::string& principal, const std::string& partner,
                                  const std::string& correlation_id, const std::string& event_id,
                                  const std::string& operation, const std::string& outcome,
                                  const std::string& body);

// A stored state, parsed; an empty object when it does not parse.
registry::json::Doc parsed(const std::string& text);

}  // namespace hub::events
