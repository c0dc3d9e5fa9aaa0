// The canonical model: the hub's own record types, declared as data in mappings/canonical/*.yaml.
// Every mapping is type-checked against it before it is served.
#pragma once

#include "hub/mapping/diagnostic.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hub::mapping {

enum class FieldType {
  string,
  date,
  enumeration,
  integer,
  decimal,
  boolean,
  cnie,
  ice,
  fiscal_id,  // "if" in YAML
  rc,
  rib,
  object,
  array,
};

std::string_view name_of(FieldType t);
bool is_identifier(FieldType t);

struct Entity;

struct CanonicalField {
  std::string name;
  FieldType type = FieldType::string;
  bool partial = false;             // date: a year-only date ("1985") is allowed
  bool personal = false;            // personal data: never in a partner-facing reverse mapping
  std::vector<std::string> values;  // enumeration
  std::string of;                   // object/array: the entity's name
  const Entity* entity = nullptr;   // object/array: resolved after loading
  Pos pos;

  bool allows(std::string_view enum_value) const;
};

struct Entity {
  std::string name;
  std::string file;
  Pos pos;
  std::vector<CanonicalField> fields;

  const CanonicalField* find(std::string_view field) const;
};

class CanonicalModel {
 public:
  // Loads every *.yaml in dir; appends to diags for each problem found (not only the first).
  static CanonicalModel load(const std::filesystem::path& dir, Diagnostics& diags);

  const Entity* find(std::string_view name) const;
  const std::map<std::string, std::unique_ptr<Entity>, std::less<>>& entities() const {
    return entities_;
  }

 private:
  std::map<std::string, std::unique_ptr<Entity>, std::less<>> entities_;
};

// Closest candidate within a small edit distance, for "did you mean" hints; empty if none.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace hub::mapping
