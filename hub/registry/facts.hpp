// What the registry asks of the exchange broker: the facts the partners hold about a person or a
// company, already read by the mappings into the canonical model (mappings/canonical), by
// section. A section is what one step of the exchange recipe gave, under the step's `as:` name
// (conf/hub.yaml, exchange.recipes): "person", "family", "taxpayer", "company", "household".
// The registry's rules read sections, never partner names, so a recipe may change which partner
// gives a section without touching the registry. The registry never talks to a partner itself;
// hub/app/broker_facts.cpp is the bridge, tests use a fake. docs/registration.md lists the
// canonical fields the registry reads.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/registry/json.hpp"

namespace hub::registry {

// Where a section's facts came from. The registry records it beside every field it copies.
struct Provenance {
  std::string partner;  // who answered: recorded as evidence, never read by a rule
  std::string mapping;  // the mapping that read the answer ("dgsn.identity"), and its version
  int mapping_version = 0;
  std::string fetched_at;  // RFC 3339 UTC, of the call that fetched it (a cached answer keeps it)
  std::string correlation_id;  // of that call
};

struct Section {
  enum class Status {
    ok,             // `record` holds the partner's facts
    not_found,      // the partner's own answer: it knows no such identifier
    unavailable,    // the partner failed (down, late, rationed, unreadable): `error`; retry later
    misconfigured,  // the hub failed the step itself (its mapping is missing): `error`
  };
  Status status = Status::unavailable;
  std::optional<Error> error;  // why, unless ok
  std::string partner;         // the partner asked
  // ok: the canonical record (mappings/canonical/<entity>.yaml), a JSON object.
  std::shared_ptr<const json::Doc> record;
  Provenance provenance;  // ok
  // ok: the path in the partner's payload each field was read from, by JSON pointer into
  // `record` ("/last_name" -> "/Reponse/Identite/Nom"). A field not listed gets the section's
  // provenance without a source path.
  std::vector<std::pair<std::string, std::string>> sources;
  // How the broker got it, kept as the registration's evidence: "ok", "cached", "stale",
  // "error" or "skipped", after `attempts` calls in `latency_ms` milliseconds.
  std::string answered;
  int attempts = 0;
  double latency_ms = 0;
};

struct Facts {
  std::map<std::string, Section, std::less<>> sections;  // by the step's `as:` name

  // The section of that step; nullptr when the recipe did not ask it (no such step, or a step
  // for other categories only).
  const Section* section(std::string_view step) const {
    auto it = sections.find(step);
    return it == sections.end() ? nullptr : &it->second;
  }
};

class FactSource {
 public:
  virtual ~FactSource() = default;
  // The `person` recipe: identity ("person"), family booklet ("family"), and for some
  // categories the self-employed taxpayer ("taxpayer", TNS) or the household's eligibility
  // ("household", AMO_TADAMON). An error when no step could answer at all.
  virtual boost::asio::awaitable<Result<Facts>> person(std::string cnie, std::string purpose,
                                                       std::string category,
                                                       std::string correlation_id) = 0;
  // The `employer_by_ice` recipe: commercial register ("company") and tax status ("taxpayer").
  virtual boost::asio::awaitable<Result<Facts>> employer(std::string ice,
                                                         std::string correlation_id) = 0;
};

}  // namespace hub::registry
