// The registration core: insured persons, employers and their affiliations, families and the
// coverage of their members, RIBs, and the history of every change. Every change is an event
// appended to its record's stream (hub/store); the current state is what the events fold to.
// Facts that a partner holds come from the FactSource, never from the client, and keep their
// provenance. Operations answer JSON bodies ready for HTTP (routes.hpp adds the routes).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hub/core/error.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/facts.hpp"
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
};

// An operation's answer: HTTP status, JSON body, and the record's ETag ("\"3\"": its version).
struct Answer {
  unsigned status = 200;
  std::string body;
  std::string etag;
};

class Registry {
 public:
  Registry(store::Store& store, FactSource& facts, const Clock& clock);

  // The first answer to an earlier request with the caller's Idempotency-Key: nullopt when there
  // was none; unprocessable/"idempotency_key_reused" when the key came with another request.
  Result<std::optional<Answer>> replayed(const Caller& caller);

  // Insured persons. POST /v1/insured {"cnie", "category", "rib"?, "contact"?, "person"?,
  // "override"?}: identity from DGSN, family from DGCT, tax status from DGI for TNS.
  boost::asio::awaitable<Result<Answer>> register_insured(std::string body, Caller caller);
  // as_of: the state at the end of that day, from the history.
  Result<Answer> insured(const std::string& number, std::optional<Date> as_of = {});
  Result<Answer> insured_by_cnie(const std::string& cnie);
  Result<Answer> change_rib(const std::string& number, const std::string& body,
                            const Caller& caller);
  // A person's identity as recorded, each field with its provenance.
  Result<Answer> person(const std::string& cnie);
  // {"person": {...identity fields}, "override"?: {"reason"}}: a correction by the client, under
  // the same rule as at registration (a partner's value is contradicted only by a principal with
  // the override role, with a reason). If-Match applies to the person's version.
  Result<Answer> correct_person(const std::string& cnie, const std::string& body,
                                const Caller& caller);
  // Every RIB the registration has had, from its history: when each became active, when it was
  // replaced, by whom and why. One is active at a time.
  Result<Answer> rib_history(const std::string& number);
  Result<Answer> change_contact(const std::string& number, const std::string& body,
                                const Caller& caller);
  // {"status": "ACTIVE|SUSPENDED|CLOSED", "reason"}
  Result<Answer> change_insured_status(const std::string& number, const std::string& body,
                                       const Caller& caller);
  // {"reason": "first|lost|stolen|damaged|renewal"}: a card edition request.
  Result<Answer> request_card(const std::string& number, const std::string& body,
                              const Caller& caller);
  // Asks the partners again: identity changes become events sourced to the partner, a death
  // closes the registration, new members of the family booklet join the family.
  boost::asio::awaitable<Result<Answer>> refresh_insured(std::string number, Caller caller);
  // A death that a partner reported (DGCT's DECES event, a DGSN answer): records the date on
  // the person and closes their registration. Idempotent.
  Result<Answer> record_death(const std::string& cnie, const std::string& date,
                              const std::string& partner, const Caller& caller);

  // A civil-status event DGCT pushed (mappings/canonical/events.yaml, civil_event), applied to
  // the registrations it concerns: a birth adds the child to each insured parent's family, a
  // marriage adds the spouse, a divorce dissolves the marriage in each insured spouse's family,
  // a death closes the person's registration. `provenance_json` is the one provenance entry of
  // the event's fields ({"partner": "dgct", "mapping": ..., "correlation_id": ...}). DGCT
  // resends events: applying one twice changes nothing. Answers {"applied": [streams]}.
  Result<Answer> apply_civil_event(const std::string& event_json,
                                   const std::string& provenance_json, const Caller& caller);
  // A register event OMPIC pushed (company_event) for a company CNSS affiliates: its facts
  // replace the employer's company facts with the event's provenance; a removal also flags the
  // employer for review (it does not close the affiliation). For a company not affiliated it
  // changes nothing ({"applied": [], "outcome": "not_affiliated"}). Idempotent.
  Result<Answer> apply_company_event(const std::string& event_json,
                                     const std::string& provenance_json, const Caller& caller);

  // Employers. POST /v1/employers {"ice", "agency"?, "representatives"?: [{"cnie", "role"}]}.
  boost::asio::awaitable<Result<Answer>> register_employer(std::string body, Caller caller);
  Result<Answer> employer(const std::string& affiliation, std::optional<Date> as_of = {});
  Result<Answer> employer_by_ice(const std::string& ice);
  // action: "suspend" {"reason"}, "reopen" {"reason"?}, "close" {"reason"},
  // "transfer" {"agency", "reason"?}.
  Result<Answer> employer_action(const std::string& affiliation, const std::string& action,
                                 const std::string& body, const Caller& caller);
  // {"cnie", "role", "last_name"?, "first_name"?}
  Result<Answer> add_representative(const std::string& affiliation, const std::string& body,
                                    const Caller& caller);
  Result<Answer> remove_representative(const std::string& affiliation, const std::string& cnie,
                                       const std::string& body, const Caller& caller);

  // Families: every member with its facts and its coverage computed on the date (today unless
  // as_of); beneficiaries() lists the covered members only.
  Result<Answer> family(const std::string& number, std::optional<Date> as_of = {});
  Result<Answer> beneficiaries(const std::string& number, std::optional<Date> as_of = {});
  // {"relation": "spouse|child|kafala|guardianship", ...} (docs/registration.md)
  Result<Answer> add_beneficiary(const std::string& number, const std::string& body,
                                 const Caller& caller);
  // {"studies"?, "disabled"?, "married"?, "custody"?, "other_parent_cnie"?, "reason"?}
  Result<Answer> update_beneficiary(const std::string& number, const std::string& member,
                                    const std::string& body, const Caller& caller);

  // The history of a record: kind "insured", "person", "family" or "employer".
  Result<Answer> history(const std::string& kind, const std::string& id);

  // The daily job: computes every family member's coverage today and appends an event wherever
  // it differs from the last one recorded. Returns the number of events appended. Resumable
  // (hub/cluster/daily_job.hpp): starts after the family stream `after` ("": the first), and
  // calls page_done with the last stream of each page of families done; false from it stops the
  // job there (its lease passed to another node).
  Result<int> record_eligibility_changes(
      std::string after = "", const std::function<bool(const std::string&)>& page_done = {});

  const Clock& clock() const { return clock_; }

  // The operations that await a partner (registrations, refresh) run their store calls on this
  // pool, as the routes run the others (routes.hpp); without one, they run where they are called.
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
};

}  // namespace hub::registry
