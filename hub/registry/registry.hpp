// The registration core: insured persons, employers and their affiliations, families and the
// coverage of their members, RIBs, and the history of every change. Every change is an event
// appended to its record's stream (hub/store, names in streams.hpp); the current state is what
// the events fold to. Facts that a partner holds come from the FactSource, by section, never from
// the client, and keep their provenance. Operations answer typed outcomes (outcome.hpp) or
// hub::Error values; they know nothing of HTTP (hub/api/registration_routes.hpp serves them).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "hub/core/error.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/facts.hpp"
#include "hub/registry/outcome.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::registry {

// Who asks, and the request's concurrency and idempotency guards.
struct Caller {
  std::string principal;
  bool may_override = false;  // holds the role that may contradict a partner, with a reason
  std::string correlation_id;
  std::string idempotency_key;           // empty: the request carried none
  std::string request_hash;              // of the method, target and body, to spot a reused key
  std::optional<std::int64_t> if_match;  // the record version the client last read
  // A partner event an administrator resolved in the review queue: the family member (family
  // stream, member id) it applies to among the candidates of an ambiguous match
  // (unprocessable/"ambiguous_member", member_match.cpp).
  std::optional<store::MemberRef> chosen_member;
};

class Registry {
 public:
  Registry(store::Store& store, FactSource& facts, const Clock& clock);

  // The first outcome of an earlier request with the caller's idempotency key: nullopt when there
  // was none; unprocessable/"idempotency_key_reused" when the key came with another request.
  Result<std::optional<Outcome>> replayed(const Caller& caller);

  // Insured persons. {"cnie", "category", "rib"?, "contact"?, "person"?, "override"?} (the body
  // of POST /v1/insured): the identity from the "person" section, the family from "family", and
  // by category: TNS needs an active self-employed "taxpayer"; AMO_TADAMON needs a "household"
  // eligible to AMO Tadamon (refused unprocessable/"not_eligible" otherwise, with the household's
  // index, threshold and date in Error::details_json), whose index, threshold and provenance
  // are recorded on the registration (/household). Created, version 1.
  boost::asio::awaitable<Result<Outcome>> register_insured(std::string body, Caller caller);
  // as_of: the state at the end of that day, from the history.
  Result<Outcome> insured(const std::string& number, std::optional<Date> as_of = {});
  Result<Outcome> insured_by_cnie(const std::string& cnie);
  Result<Outcome> change_rib(const std::string& number, const std::string& body,
                             const Caller& caller);
  // A person's identity as recorded, each field with its provenance.
  Result<Outcome> person(const std::string& cnie);
  // {"person": {...identity fields}, "override"?: {"reason"}}: a correction by the client, under
  // the same rule as at registration (a partner's value is contradicted only by a principal with
  // the override role, with a reason). If-Match applies to the person's version.
  Result<Outcome> correct_person(const std::string& cnie, const std::string& body,
                                 const Caller& caller);
  // Every RIB the registration has had, from its history: when each became active, when it was
  // replaced, by whom and why. One is active at a time.
  Result<Outcome> rib_history(const std::string& number);
  Result<Outcome> change_contact(const std::string& number, const std::string& body,
                                 const Caller& caller);
  // {"status": "ACTIVE|SUSPENDED|CLOSED", "reason"}
  Result<Outcome> change_insured_status(const std::string& number, const std::string& body,
                                        const Caller& caller);
  // {"reason": "first|lost|stolen|damaged|renewal"}: a card edition request, card-<n> in
  // /cards, status "requested". 409 card_exists for a second first card, no_card_to_replace for
  // a replacement without any card, card_in_progress while another is requested or produced;
  // invalid_transition unless the registration is ACTIVE (docs/registration.md, "Cards").
  Result<Outcome> request_card(const std::string& number, const std::string& body,
                               const Caller& caller);
  // {"status": "produced|delivered|cancelled", "reason"}: card `card` (card-<n>) moves on:
  // requested -> produced -> delivered, or requested/produced -> cancelled (its reason
  // required). The same status again changes nothing; another move is 409 invalid_transition;
  // an unknown card 404. Records status_since, <status>_on and <status>_by.
  Result<Outcome> change_card_status(const std::string& number, const std::string& card,
                                     const std::string& body, const Caller& caller);
  // Asks the partners again: identity changes become events sourced to the partner, a death
  // closes the registration, new members of the family booklet join the family.
  boost::asio::awaitable<Result<Outcome>> refresh_insured(std::string number, Caller caller);
  // A death that a partner reported (a civil-status death event, an identity refresh): records
  // the date on the person and closes their registration, sourced to `partner`. Idempotent.
  Result<Outcome> record_death(const std::string& cnie, const std::string& date,
                               const std::string& partner, const Caller& caller);

  // A civil-status event (mappings/canonical/events.yaml, civil_event), applied to the
  // registrations it concerns: a birth adds the child to each insured parent's family, a
  // marriage adds the spouse, a divorce dissolves the marriage in each insured spouse's family,
  // a death closes the person's registration. `provenance_json` is the one provenance entry of
  // the event's fields ({"partner": "dgct", "mapping": ..., "correlation_id": ...}); changes are
  // sourced to its partner. Partners resend events: applying one twice changes nothing.
  // Applied: {"applied": [streams]}.
  Result<Outcome> apply_civil_event(const std::string& event_json,
                                    const std::string& provenance_json, const Caller& caller);
  // The keys under which the people a civil event names are found once they are known (the
  // member index's and the lookup keys, events::Applier::waits_for): each spouse's "cnie/..."
  // and "insured-of/..." (a family naming them as a child, their own registration), each parent's
  // "insured-of/..." (a birth), the person's "cnie/...", "act/..." and "born/..." (a death). An
  // event applied to some of them reaches the others' families when those are written.
  static std::vector<std::string> civil_event_keys(const std::string& event_json);
  // A commercial-register event (company_event) for a company CNSS affiliates: its facts
  // replace the employer's company facts with the event's provenance; a removal also flags the
  // employer for review (it does not close the affiliation). For a company not affiliated it
  // changes nothing ({"applied": [], "outcome": "not_affiliated"}), except a creation, which
  // prepares an affiliation for an agent to confirm (pending_affiliations.cpp: {"applied":
  // ["pending_affiliation/<ICE>"], "outcome": "affiliation_prepared", "company": {"ice",
  // "name"}}). Idempotent.
  Result<Outcome> apply_company_event(const std::string& event_json,
                                      const std::string& provenance_json, const Caller& caller);

  // Affiliations prepared from OMPIC's creation events (docs/registration.md, "Pending
  // affiliations"): {"pending": [{"ice", "name", "agency", "prepared_on", "status", "event_id",
  // "affiliation_number"?}]}, status pending|confirmed|all, in ICE order from `after`, at most
  // `limit` (1-1000), "next" when more follow.
  Result<Outcome> pending_affiliations(const std::string& status, const std::string& after,
                                       std::size_t limit);
  // One prepared affiliation: the company as the event gave it (each field with the event's
  // provenance), the proposed managing agency and representatives. 404 when none.
  Result<Outcome> pending_affiliation(const std::string& ice);
  // An agent confirms a prepared affiliation: the employer is affiliated as POST /v1/employers
  // would (the register and DGI asked again, so the facts are today's; body: {"agency"?,
  // "representatives"?} as there), and the prepared record notes the affiliation number. An ICE
  // affiliated meanwhile confirms to that affiliation. 404 when nothing was prepared.
  boost::asio::awaitable<Result<Outcome>> confirm_affiliation(std::string ice, std::string body,
                                                              Caller caller);
  // A change of a household's eligibility to a social programme that ANRC pushed
  // (/work/shared/partners/anrc.md, "Index changes pushed to CNSS"), as the canonical record
  // eligibility_change (mappings/canonical/household.yaml: {"event_id", "type":
  // "eligibility_change", "programme", "household_id", "members": [{"cnie"}...], "eligible",
  // "effective_date"}), with its one provenance entry as for apply_civil_event.
  // For each member with an AMO_TADAMON registration of that household (or of no recorded
  // household), the registration records the eligibility (/household/amo_tadamon: eligible,
  // since = effective_date, event_id) with the event's provenance, and its status follows:
  //  - not eligible: ACTIVE becomes SUSPENDED from the effective date (status_since), with
  //    status_cause "amo_tadamon_not_eligible". Suspended, not closed: eligibility is ANRC's
  //    statement on an index it recomputes (anrc.md), so it may come back, and a CLOSED
  //    registration is final; moving the person to another regime is an agent's decision.
  //  - eligible: a registration SUSPENDED for that cause becomes ACTIVE again; one suspended for
  //    another reason, or CLOSED, keeps its status (its eligibility is still recorded).
  // Idempotent, and safe out of order: an event whose effective date is not after the one the
  // registration holds (from the registration's prefill or an earlier event) changes nothing.
  // Programmes other than AMO_TADAMON are ignored. invalid_input (with the field's pointer)
  // for an event that cannot be read. Applied: {"applied": [streams changed], "superseded":
  // [streams holding a later change]}.
  Result<Outcome> apply_eligibility_change(const std::string& event_json,
                                           const std::string& provenance_json,
                                           const Caller& caller);

  // Employers. {"ice", "agency"?, "representatives"?: [{"cnie", "role"}]}: the "company" and
  // "taxpayer" sections. Created, version 1.
  boost::asio::awaitable<Result<Outcome>> register_employer(std::string body, Caller caller);
  Result<Outcome> employer(const std::string& affiliation, std::optional<Date> as_of = {});
  Result<Outcome> employer_by_ice(const std::string& ice);
  // action: "suspend" {"reason"}, "reopen" {"reason"?}, "close" {"reason"},
  // "transfer" {"agency", "reason"?}.
  Result<Outcome> employer_action(const std::string& affiliation, const std::string& action,
                                  const std::string& body, const Caller& caller);
  // The employees declared for the last month, as the declarations system (outside the hub)
  // reports them: {"declared_employees": 0..10000000, "period": "yyyy-MM", "reason"?}. Read by
  // DGI's affiliation attestation (shared/partners/dgi.md). conflict/older_period for a month
  // before the one recorded.
  Result<Outcome> record_declared_employees(const std::string& affiliation, const std::string& body,
                                            const Caller& caller);
  // {"cnie", "role", "last_name"?, "first_name"?}
  Result<Outcome> add_representative(const std::string& affiliation, const std::string& body,
                                     const Caller& caller);
  Result<Outcome> remove_representative(const std::string& affiliation, const std::string& cnie,
                                        const std::string& body, const Caller& caller);

  // Families: every member with its facts and its coverage computed on the date (today unless
  // as_of); beneficiaries() lists the covered members only.
  Result<Outcome> family(const std::string& number, std::optional<Date> as_of = {});
  Result<Outcome> beneficiaries(const std::string& number, std::optional<Date> as_of = {});
  // {"relation": "spouse|child|kafala|guardianship", ...} (docs/registration.md)
  Result<Outcome> add_beneficiary(const std::string& number, const std::string& body,
                                  const Caller& caller);
  // {"studies"?, "disabled"?, "married"?, "custody"?, "other_parent_cnie"?, "reason"?}
  Result<Outcome> update_beneficiary(const std::string& number, const std::string& member,
                                     const std::string& body, const Caller& caller);

  // {"death_date", "act"?: {"number", "date", "commune"}, "reason"?}: the death of a child
  // member when DGCT's death event does not come (a young child known by a birth act only): the
  // date, and the death act, on the member in this family and in every other family that names
  // the child (by CNIE, birth act, or name and birth date), with the client's provenance; it
  // ends their coverage from that date (loi 65-00, article 5: ayants droit are living persons).
  // 400 for a date in the future or before the birth, or a spouse member (their death is
  // recorded on the person, by CNIE); 404 for an unknown member. Changed: the family.
  Result<Outcome> record_beneficiary_death(const std::string& number, const std::string& member,
                                           const std::string& body, const Caller& caller);

  // The history of a record: kind streams::kInsured, kPerson, kFamily or kEmployer.
  Result<Outcome> history(std::string_view kind, const std::string& id);

  // The daily job: computes every family member's coverage today and appends an event wherever
  // it differs from the last one recorded. Returns the number of events appended. Resumable
  // (hub/cluster/daily_job.hpp): starts after the family stream `after` ("": the first), and
  // calls page_done with the last stream of each page of families done; false from it stops the
  // job there (its lease passed to another node).
  Result<int> record_eligibility_changes(
      std::string after = "", const std::function<bool(const std::string&)>& page_done = {});

  const Clock& clock() const { return clock_; }

  // The operations that await a partner (registrations, refresh) run their store calls on this
  // pool, as hub/api's routes run the others; without one, they run where they are called.
  void run_store_calls_on(StorePool* pool) { pool_ = pool; }

  // The operations' shared machinery (support.hpp), for hub/registry's own files only.
  struct Impl;

 private:
  // f's store calls, on the pool when there is one.
  template <class T>
  boost::asio::awaitable<T> blocking(std::function<T()> f) {
    if (pool_) co_return co_await pool_->run<T>(std::move(f));
    co_return f();
  }

  store::Store& store_;
  FactSource& facts_;
  const Clock& clock_;
  StorePool* pool_ = nullptr;
  // The serials at or below which CNSS's numbers carry a Luhn digit (check_digits.cpp): read
  // or recorded once, on first use.
  std::mutex check_digits_mutex_;
  std::optional<std::pair<std::int64_t, std::int64_t>> luhn_until_;  // immatriculation, affiliation
};

}  // namespace hub::registry
