// Field masks: what of a canonical record an agreement lets through. Deny by default: a member
// the mask does not list, a member the canonical model does not know, and a value of the wrong
// shape are all dropped; a field marked `personal` in mappings/canonical/ is served only when its
// own path is listed (issue 12, item 1).
#pragma once

#include "hub/agreements/agreement.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/mapping/canonical.hpp"

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hub::agreements {

// A resource kind: its name in agreements and the canonical entity its records are.
struct ResourceKind {
  std::string_view name;
  std::string_view entity;
  // The change feed serves it: the registry records of this kind (store kind column, equal to
  // the resource's name) are read as its entity (hub/partner/records.hpp) and masked by the
  // consumer's agreement (docs/feed.md).
  bool feed = false;
};

// Every resource an agreement may name. Partner API: affiliation_attestation (an employer's
// affiliation, by ICE) and coverage (a person's coverage, by CNIE). Change feed: person (entity
// person), insured (insured), family (insured_family: the ayants droit) and employer
// (affiliation).
std::span<const ResourceKind> resource_kinds();
const ResourceKind* find_resource_kind(std::string_view name);

// A record with the mask applied, and what it let through.
struct Masked {
  std::string json;  // the masked canonical record (an object; {} when nothing passed)
  // The canonical paths of the leaves served, sorted, without array indices ("employees/cnie").
  std::vector<std::string> fields;
};

// A mask compiled against a canonical entity. Immutable; cheap to share between requests.
class FieldMask {
 public:
  // The paths that name no field of `entity` are left out (deny by default); check() reports them.
  static FieldMask compile(const std::vector<MaskField>& fields, const mapping::Entity& entity);
  static FieldMask compile(const Resource& r, const mapping::Entity& entity) {
    return compile(r.fields, entity);
  }

  // The record (a JSON object of the mask's entity) with only what the mask allows.
  Masked apply(const rapidjson::Value& record) const;
  // The same from JSON text; invalid_input when it is not a JSON object.
  Result<Masked> apply(std::string_view record_json) const;

  const mapping::Entity& entity() const { return *entity_; }

  struct Node;  // one level of the compiled mask (defined in mask.cpp)

 private:
  const mapping::Entity* entity_ = nullptr;
  std::shared_ptr<const Node> root_;
};

// Checks agreements against the canonical model: every resource is a known kind whose entity
// exists, every mask path names a field of it. Each problem has the position it was written at
// (code unknown_resource or unknown_field, with a "did you mean" hint when one is close).
std::vector<config::Problem> check(const std::vector<Agreement>& agreements,
                                   const mapping::CanonicalModel& model);

}  // namespace hub::agreements
