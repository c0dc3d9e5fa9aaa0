// POST /partner/v1/events: the events partners push (DGCT's civil-status acts, OMPIC's register
// entries). Each delivery is read through its partner's mapping, recorded durably once per event
// id — the partner gets 202 only after the commit, 200 for an id already recorded, 400 with the
// reason for what cannot be read — and then applied to the registrations it concerns. An event
// recorded but not applied (the store failed, a record was changing) is applied again later; a
// refused delivery is kept too, with the reason, for an administrator to see.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <string>
#include <vector>

#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/events/applier.hpp"
#include "hub/http/metrics.hpp"
#include "hub/http/router.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::api {

// What the inbox answers a partner or an administrator: an HTTP status and a JSON body.
struct InboxAnswer {
  unsigned status = 200;
  std::string body;
};

class EventInbox {
 public:
  EventInbox(std::vector<config::EventSource> sources, store::Store& store,
             mapping::Catalog& mappings, events::Applier& applier, const registry::Clock& clock,
             audit::Journal* journal, http::Metrics* metrics);

  // Every source's mapping exists in the served set and reads a kind of record the applier
  // applies (its target: civil_event, company_event, eligibility_change...).
  Result<void> check() const;

  // One delivery from `principal`.
  Result<InboxAnswer> receive(const std::string& principal, const std::string& body,
                              const std::string& correlation_id);
  // Where one of the principal's events stands: recorded, applied, not_applicable.
  Result<InboxAnswer> status(const std::string& principal, const std::string& event_id);
  // Administrators: the events recorded, optionally of one partner and in one status, in pages.
  Result<InboxAnswer> list(const std::string& partner, const std::string& status,
                           const std::string& after, std::size_t limit);

  // Applies every event recorded and not applied yet; returns how many it applied.
  Result<int> apply_pending();
  // Set when an application failed for a reason that may pass (store, concurrent change).
  bool has_pending() const { return pending_.load(); }

 private:
  const config::EventSource* source_of(const std::string& principal) const;
  bool applies(const std::string& kind) const;
  // Applies one recorded event (its stream, version and state) and records the outcome in its
  // stream.
  void apply(const std::string& stream, std::int64_t version, const rapidjson::Document& state,
             std::string* outcome_json);
  void keep_refused(const config::EventSource& source, const std::string& body,
                    const std::string& correlation_id, const Error& why);
  void journal(const std::string& principal, const std::string& partner,
               const std::string& correlation_id, const std::string& event_id,
               const std::string& outcome, const std::string& body);

  std::vector<config::EventSource> sources_;
  store::Store& store_;
  mapping::Catalog& mappings_;
  events::Applier& applier_;
  const registry::Clock& clock_;
  audit::Journal* journal_;
  http::Metrics* metrics_;
  std::atomic<bool> pending_{true};  // at start: what a previous run left is applied
};

// POST /partner/v1/events and GET /partner/v1/events/{id} (role `partner_role`);
// GET /admin/v1/events (role `admin_role`). The inbox's work (mapping, store) runs on `pool`.
void add_partner_event_routes(http::Router& router, EventInbox& inbox, registry::StorePool& pool,
                              const std::string& partner_role = "events");
void add_event_admin_routes(http::Router& router, EventInbox& inbox, registry::StorePool& pool,
                            const std::string& admin_role = "admin");

}  // namespace hub::api
