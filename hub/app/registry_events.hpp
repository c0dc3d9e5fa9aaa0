// The events inbox's applier over the registry: each kind of canonical event record goes to the
// registry operation that applies it. Adding an event kind is a line in the table of
// registry_events.cpp and the registry's operation for it; the inbox does not change.
#pragma once

#include "hub/events/applier.hpp"
#include "hub/registry/registry.hpp"

namespace hub::app {

class RegistryEvents final : public events::Applier {
 public:
  explicit RegistryEvents(registry::Registry& registry) : registry_(registry) {}

  // civil_event, company_event and eligibility_change (mappings/canonical/events.yaml and
  // household.yaml).
  std::vector<std::string> kinds() const override;
  // invalid_input/"unknown_event_kind" for a kind not in kinds().
  Result<rapidjson::Document> apply(std::string_view kind, const std::string& record_json,
                                    const std::string& provenance_json,
                                    const events::Delivery& delivery) override;
  // civil_event: Registry::civil_event_keys; the other kinds wait for nothing.
  std::vector<std::string> waits_for(std::string_view kind,
                                     const std::string& record_json) const override;

 private:
  registry::Registry& registry_;
};

}  // namespace hub::app
