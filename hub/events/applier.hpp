// What the events inbox hands a recorded event to: the operation that applies a kind of
// canonical record to the registrations it concerns. The kind is the record an event source's
// mapping reads (its `target:`, e.g. civil_event, company_event, eligibility_change), so which
// operation applies an event follows from the configuration (conf/hub.yaml events.sources and
// the mapping it names), never from the partner's name. hub/app/registry_events.hpp implements
// it over the registry; unit tests use a fake.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "hub/core/error.hpp"

namespace hub::events {

// Who delivered the event, carried to the registry's history (who, under which correlation id).
struct Delivery {
  std::string principal;
  std::string correlation_id;
  // The family member an administrator chose in the review queue for an event whose match was
  // ambiguous ("ambiguous_member"): the family's immatriculation number and the member's id.
  // Empty: none chosen.
  std::string chosen_family;
  std::string chosen_member;
};

class Applier {
 public:
  virtual ~Applier() = default;

  // The kinds of record it applies.
  virtual std::vector<std::string> kinds() const = 0;

  // Applies one event: `record_json` is the canonical record of `kind`, `provenance_json` the one
  // provenance entry of all its fields ({"partner", "mapping", "version", "correlation_id",
  // "fetched_at", "event_id"}). Answers what it did, a JSON object the event's status keeps.
  // Applying an event again changes nothing more. Errors: invalid_input, unprocessable and
  // not_found are final (the event is "not_applicable"); any other (the store failed, a record
  // changed meanwhile) may pass, and the inbox applies the event again later.
  virtual Result<rapidjson::Document> apply(std::string_view kind, const std::string& record_json,
                                            const std::string& provenance_json,
                                            const Delivery& delivery) = 0;

  // The keys under which the facts an event concerns are found: the member index's and the
  // registry's lookup keys ("cnie/BK123456", "insured-of/BK123456", "act/77/2012",
  // "born/2012-09-30"; hub/registry/streams.hpp and families.cpp member_index). The inbox keeps
  // the event waiting on them (store::Waits) until events.await_days have passed, and applies it
  // again when a commit writes one: an event that concerned nobody yet, or only some of the
  // people it names, reaches the families registered later. Empty (the default): the event
  // waits for nothing, and one the registry answers awaiting_facts is tried at every sweep.
  virtual std::vector<std::string> waits_for(std::string_view /*kind*/,
                                             const std::string& /*record_json*/) const {
    return {};
  }
};

}  // namespace hub::events
