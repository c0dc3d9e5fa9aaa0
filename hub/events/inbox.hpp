// The inbox of the events partners push (DGCT's civil-status acts, OMPIC's register entries,
// ANRC's eligibility changes). Each delivery is read through its source's mapping, recorded
// durably once per event id (records.hpp), and then applied, through an Applier (applier.hpp),
// to the registrations it concerns. An event recorded but not applied (the store failed, a
// record was changing) is applied again by apply_pending(); a refused delivery is kept too, with
// the reason, for an administrator to see. Answers are typed; hub/api/partner_events.cpp serves
// them over HTTP.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/events/applier.hpp"
#include "hub/events/claim.hpp"
#include "hub/http/metrics.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/registry/clock.hpp"
#include "hub/store/store.hpp"

namespace hub::events {

// What the inbox answers a partner or an administrator: a JSON object, and what it is.
struct Answer {
  enum class Kind {
    recorded,   // a first delivery, durably recorded now (then applied, or to be applied)
    duplicate,  // an event id already recorded: the first delivery stands
    read,       // an event's status, or a page of the inbox
  };
  Kind kind = Kind::read;
  std::string body;
};

class Inbox {
 public:
  // `await`: how long an event waits for the facts it names (events.await_days) before a waiting
  // one is closed not_concerned, and an applied one stops waiting for the people it did not
  // concern yet.
  Inbox(std::vector<config::EventSource> sources, store::Store& store, mapping::Catalog& mappings,
        Applier& applier, const registry::Clock& clock, audit::Journal* journal,
        http::Metrics* metrics, std::chrono::milliseconds await = kDefaultAwait);
  // events.await_days by default (docs/registration.md, "Events that wait for facts").
  static constexpr std::chrono::milliseconds kDefaultAwait{365LL * 86'400'000LL};

  // Every source's mapping exists in the served set and reads a kind of record the applier
  // applies (its target: civil_event, company_event, eligibility_change...).
  Result<void> check() const;

  // One delivery from `principal`: recorded, or duplicate. Errors: forbidden/"no_event_source"
  // (the principal pushes no events); invalid_input with the precise code (the body cannot be
  // read: the delivery is kept refused); internal (the hub's configuration: its mapping is not
  // loaded or reads a kind nothing applies; the partner retries).
  // When `receipt` is given and the delivery is recorded (or was already: a duplicate), it is
  // set to the ticket of the delivery's journal entry, appended with a receipt
  // (audit::Journal::receipt) for the answer to carry.
  Result<Answer> receive(const std::string& principal, const std::string& body,
                         const std::string& correlation_id, audit::Ticket* receipt = nullptr);
  audit::Journal* exchange_journal() const { return journal_; }
  // Told of every delivery's body, with the mapping that reads it, before it is mapped: the
  // mapping workbench's in-memory replay sample (docs/workbench.md). Set once, before the first
  // delivery.
  using PayloadObserver = std::function<void(std::string_view mapping_id, std::string_view body)>;
  void observe_payloads(PayloadObserver observer) { observe_payload_ = std::move(observer); }
  // Where one of the principal's events stands: recorded, applied, not_applicable (not_found).
  Result<Answer> status(const std::string& principal, const std::string& event_id);
  // Administrators: the events recorded, optionally of one partner and in one status (records.hpp
  // is_status), in pages of `limit` after the stream `after`.
  Result<Answer> list(const std::string& partner, const std::string& status,
                      const std::string& after, std::size_t limit);

  // The review queue (review.cpp, docs/registration.md "Review queue"): the events a person must
  // decide on — those the registry refused (not_applicable), and recorded ones that await a fact
  // and name no key to wait on (awaiting_facts) — not yet reviewed, in stream order after
  // `after`, at most `limit`: {"entries": [{partner, event_id, type, status, received_at, since,
  // reason: {code, message}, candidates?, action}], "waiting": N, "next"?}. candidates: for
  // ambiguous_member, the different people who fit ([{members: [{family, member}], cnie?
  // (masked), birth_act}]). waiting: how many events wait for facts (status waiting): they apply
  // by themselves when the facts arrive, or close not_concerned, so they are counted, not listed
  // (GET /admin/v1/events?status=waiting lists them).
  Result<Answer> review(const std::string& after, std::size_t limit);
  // An administrator's decision on an entry: body {"decision": "retry"|"dismiss"|"choose",
  // "reason", "candidate"?: {"family", "member"}}. retry: the event is recorded again and applied
  // by the next sweep; choose (an ambiguous_member entry): the same, applied to the candidate
  // named (one of the entry's; 400 not_a_candidate otherwise) and to that person's other
  // families; dismiss: it is left not_applicable. Appended to the event's stream
  // (partner_event.reviewed: who, why) and to the exchange journal (operation event_reviewed). 404
  // for an event not in the queue (unknown, or applied, or reviewed already); 400 for a body
  // without a decision or a reason.
  Result<Answer> resolve(const std::string& principal, const std::string& partner,
                         const std::string& event_id, const std::string& body,
                         const std::string& correlation_id);

  // Applies every event recorded and not applied yet, each under its claim (claim.hpp); then the
  // events waiting on a key that a commit wrote since (store::Store::due_waits: waiting, or
  // applied and still waiting for the people they did not concern yet), and never those on which
  // nothing was written; then closes those whose wait is over (not_concerned). Returns how many
  // attempts this node made (not those another node held or had made).
  Result<int> apply_pending();
  // Set when an application failed for a reason that may pass (store, concurrent change).
  bool has_pending() const { return pending_.load(); }

 private:
  const config::EventSource* source_of(const std::string& principal) const;
  bool applies(const std::string& kind) const;
  // The first delivery of an event id, recorded at version 1; or a redelivery.
  Result<Answer> record(const config::EventSource& source, const std::string& principal,
                        const std::string& body, const mapping::MappedRecord& mapped,
                        const rapidjson::Document& record, const std::string& correlation_id,
                        const std::string& received_at, audit::Ticket* receipt);
  Result<Answer> redelivered(const config::EventSource& source, const std::string& principal,
                             const std::string& stream, const std::string& event_id,
                             const std::string& body, const std::string& data,
                             const std::string& correlation_id, audit::Ticket* receipt);
  // Applies one recorded event (its stream, version and state) and records the outcome in its
  // stream.
  void apply(const std::string& stream, std::int64_t version, const rapidjson::Document& state,
             std::string* outcome_json);
  // apply(), under the event's claim (claim.hpp): once across the hub nodes.
  Claimed apply_once(const std::string& stream, std::int64_t version,
                     const rapidjson::Document& state, std::string* outcome_json,
                     std::string_view label = "recorded");
  // Notes on an event, once per reason, why it waits (partner_event.awaiting_facts). With keys
  // to wait on, its status becomes waiting, and it waits on them until `await` has passed;
  // without, it stays recorded (swept again) and the review queue shows it.
  void note_awaiting(const std::string& stream, std::int64_t version,
                     const rapidjson::Document& state, const Error& why,
                     const std::vector<std::string>& keys);
  // The event's waits: the applier's keys, until `await` from now.
  std::optional<store::Waits> waits_of(const std::vector<std::string>& keys) const;
  // An applied event applied again, a fact it waits for having arrived: what it changed, if
  // anything, appended to its stream (partner_event.applied_again); its status stays applied.
  void applied_again(const std::string& stream, std::int64_t version,
                     const rapidjson::Document& state, const rapidjson::Document& result);
  // The waiting events a commit made due, then those whose wait is over; `attempts` counts.
  Result<void> sweep_due(int& attempts);
  Result<void> sweep_expired(int& attempts);
  // A waiting event that no fact made applicable in time: closed not_concerned (its stream, the
  // exchange journal), waiting for nothing more.
  void close_unconcerned(const store::RecordState& rec);
  void count_attempt(const std::string& partner, std::string_view outcome);
  void keep_refused(const config::EventSource& source, const std::string& body,
                    const std::string& correlation_id, const Error& why);
  // The delivery's journal entry; its ticket when appended with a receipt, 0 otherwise.
  audit::Ticket journal(const std::string& principal, const std::string& partner,
                        const std::string& correlation_id, const std::string& event_id,
                        const std::string& outcome, const std::string& body,
                        bool with_receipt = false);

  std::vector<config::EventSource> sources_;
  store::Store& store_;
  mapping::Catalog& mappings_;
  Applier& applier_;
  const registry::Clock& clock_;
  audit::Journal* journal_;
  http::Metrics* metrics_;
  std::chrono::milliseconds await_;
  std::atomic<bool> pending_{true};  // at start: what a previous run left is applied
  PayloadObserver observe_payload_;
};

}  // namespace hub::events
