// What a registry operation did, with the record as it now reads: the typed answer that hub/api
// turns into HTTP (registration_routes.cpp) and that the events inbox records. Errors are
// hub::Error values with stable codes (docs/registration.md lists them).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/registry/json.hpp"

namespace hub::registry {

// Numbered because an idempotent answer stores the number (registry.cpp): never renumber.
enum class Effect {
  read = 1,       // the record as it stands, or as it stood at the end of a day
  created = 2,    // a new record, or a new entry in one (a card request, a beneficiary...)
  changed = 3,    // the record changed: an event appended to each stream concerned
  unchanged = 4,  // what was asked was already so: nothing appended
  applied = 5,    // a partner's event went through to the records it concerns
};

std::string_view name_of(Effect e);

struct Outcome {
  Effect effect = Effect::read;
  // The record as a client reads it (a JSON object): an insured person with their identity, a
  // family with every member's coverage, an employer... For `applied`: {"applied": [streams]}
  // and what else the operation says.
  json::Doc view;
  // The record's version (its number of events) after the operation; none when the answer is
  // not one record (an event's application, a death recorded for a person never registered).
  std::optional<std::int64_t> version;
};

}  // namespace hub::registry
