// What a feed consumer may see (docs/feed.md, "What a consumer sees"): the field masks of its
// agreements (docs/agreements.md) for the feed's resources (person, insured, family, employer:
// hub/agreements/mask.hpp), applied to each change's state read as its canonical entity
// (hub/partner/records.hpp). Deny by default: a kind no agreement of the consumer lists is not
// served at all, and of a kind it lists only the fields of its mask.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hub/agreements/agreement.hpp"
#include "hub/agreements/mask.hpp"
#include "hub/core/error.hpp"
#include "hub/mapping/engine.hpp"

namespace hub::feed {

class ConsumerMasks {
 public:
  // The masks of `principal`'s agreements in force on `today`, by record kind (several
  // agreements listing one resource: the union of their fields). The purpose and quota of an
  // agreement do not apply to the feed. Error forbidden/no_agreement when no agreement of the
  // principal in force lists a feed resource.
  static Result<ConsumerMasks> of(const std::vector<agreements::Agreement>& set,
                                  std::string_view principal,
                                  std::shared_ptr<const mapping::Snapshot> mappings,
                                  std::chrono::sys_days today);

  // The consumer's view of one change's state (JSON text as stored) of a record of `kind`:
  // nullopt when no agreement lists the kind (the change is not served); else the canonical
  // record with the mask applied ({} when nothing passes).
  std::optional<std::string> state(std::string_view kind, std::string_view state_json) const;

  // Whether a change's `id` may be served: the record's identifying field (person: cnie;
  // insured, family: immatriculation; employer: affiliation_number) passes the kind's mask. An
  // immatriculation or a CNIE is itself personal (registration.yaml, person.yaml): a consumer
  // whose agreement does not list it reads the change without knowing whose it is.
  bool serves_id(std::string_view kind) const { return ids_.contains(kind); }

 private:
  std::shared_ptr<const mapping::Snapshot> mappings_;  // the entities the masks point into
  std::map<std::string, agreements::FieldMask, std::less<>> masks_;
  std::set<std::string, std::less<>> ids_;  // the kinds whose `id` the consumer may see
};

}  // namespace hub::feed
