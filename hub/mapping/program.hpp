// A compiled mapping: everything the evaluator needs, resolved once (paths, namespaces, tables,
// canonical types), so that evaluating a payload does no name lookup and no parsing of the mapping.
#pragma once

#include "hub/core/error.hpp"
#include "hub/mapping/canonical.hpp"
#include "hub/mapping/diagnostic.hpp"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace hub::mapping {

enum class Format { xml, json };
enum class Direction { forward, reverse };

// A code table (mappings/tables/<name>.yaml): shared between mappings.
struct Table {
  std::string name;
  std::string file;
  std::vector<std::pair<std::string, std::string>> entries;  // sorted by key
  std::optional<std::string> fallback;                       // the table's `default`

  const std::string* lookup(std::string_view key) const;
};

struct PathStep {
  enum class Kind : std::uint8_t { child, attribute, self, parent };
  Kind kind = Kind::child;
  bool any_ns = false;  // `*:Name`: any namespace, or none
  std::string uri;      // XML: namespace URI (empty: no namespace)
  std::string name;     // local name, or JSON key
};

struct Path {
  std::string text;  // as written, for provenance and messages
  bool absolute = false;
  std::vector<PathStep> steps;
  // Set by the scope index: the slot that holds the element (or JSON value) this path reaches
  // from its scope's context; kSelf for the context itself; kWalk to walk the path instead.
  static constexpr std::int16_t kWalk = -1;
  static constexpr std::int16_t kSelf = -2;
  std::int16_t slot = kWalk;
  bool attribute_last = false;  // the last step is an attribute of the slot's element
};

// Every relative path used by one list of fields, merged into a tree: evaluation visits the
// context's children once and drops each matching child into its slot, instead of searching the
// children again for every field.
struct ScopeEdge {
  std::string uri;
  std::string name;
  bool any_ns = false;
  std::uint64_t head = 0;  // the name's first 8 bytes, to reject most candidates with one compare
  std::uint16_t slot = 0;
  // Another edge of the same list has the same local name (another namespace, or `*:`): a child
  // matching this edge may match that one too, so the search cannot stop at the first match.
  bool shares_local = false;
  std::vector<ScopeEdge> children;
};

struct Scope {
  std::vector<ScopeEdge> edges;
  std::uint16_t slots = 0;
};

// The first 8 bytes of a name, zero-padded: fixed-size loads, no call to memcpy.
inline std::uint64_t name_head(const char* s, std::size_t n) {
  std::uint64_t h = 0;
  if (n >= 8) {
    std::memcpy(&h, s, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    h = a | (std::uint64_t{b} << (8 * (n - 4)));
  } else {
    for (std::size_t i = 0; i < n; ++i)
      h |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  }
  return h;
}

struct Condition {
  enum class Op { exists, missing, equals, not_equals, one_of, all, any, negate };
  Op op = Op::exists;
  Path path;
  std::vector<std::string> values;
  std::vector<Condition> children;
};

// What happens when a fallible step fails.
struct OnError {
  enum class Kind : std::uint8_t { unset, refuse, null, fallback };
  Kind kind = Kind::unset;
  std::string value;  // fallback: canonical text of the default
};

// The value types that flow between steps (checked at compile time).
enum class ValueType : std::uint8_t { text, list, date, integer, decimal, boolean };
std::string_view name_of(ValueType t);

struct DatePattern {
  // Tokens: 'd' day, 'M' month, 'y' year, or a literal character; '0' literal zeros for year-only.
  struct Token {
    char kind;  // 'd', 'M', 'y', 'L' (literal)
    char literal;
    std::uint8_t width;
  };
  std::vector<Token> tokens;
  std::string text;
  std::size_t length = 0;  // the sum of the tokens' widths: the only length that can match
  // The same pattern as fixed offsets (every token has a fixed width), for parsing without
  // walking the tokens: where day, month and year start (-1: absent) and the literal characters.
  bool fixed = false;
  std::int8_t day_at = -1, month_at = -1, year_at = -1;
  std::uint8_t literals = 0;
  std::uint8_t literal_at[12] = {};
  char literal_char[12] = {};
};

enum class StepKind : std::uint8_t {
  trim,
  collapse_spaces,
  upper,
  lower,
  title,
  date,
  format_date,
  integer,
  decimal,
  boolean,
  extract,
  split,
  join,
  pad_left,
  replace,
  table,
  check_regex,
  check_enum,
  check_id,
};

struct Step {
  StepKind kind = StepKind::trim;
  std::string name;  // as written, for messages
  Pos pos;
  OnError on_error;  // resolved: the step's own, else the field's
  std::string arg;   // separator, replacement, pad character...
  std::string arg2;
  std::size_t width = 0;
  DatePattern pattern;
  std::optional<DatePattern> year_only;
  std::shared_ptr<const re2::RE2> regex;  // extract, check_regex: compiled once (RE2 syntax)
  const Table* table = nullptr;
  std::vector<std::string> values;   // check_enum; boolean: true-words
  std::vector<std::string> values2;  // boolean: false-words
  FieldType id = FieldType::string;  // check_id
  bool fallible = false;
};

// A typed literal (const, default, fallback): validated against the target type when compiled.
struct Literal {
  std::string text;
  bool is_null = false;
};

struct Field {
  std::string name;      // target field (forward) or output key/element (reverse)
  std::string key_json;  // forward: "name": as written in the record
  const CanonicalField* target = nullptr;
  Pos pos;

  enum class Source : std::uint8_t { path, constant, concat, object, array };
  Source source = Source::path;
  std::vector<Path> paths;  // first non-empty wins; concat: all, joined by separator
  bool all = false;         // take every match as a list
  std::string separator;
  Literal constant;
  std::vector<Step> steps;
  ValueType result = ValueType::text;

  bool required = false;
  std::optional<Literal> fallback;  // `default`: used when absent
  OnError on_error;
  std::optional<Condition> when;

  // object / array
  std::optional<Path> from;  // context (object) or items (array, `each`)
  std::optional<Condition> filter;
  std::vector<Field> fields;
  Scope scope;  // object/array: the scope of `fields`
  const Entity* entity = nullptr;

  // reverse, XML output: qualified element name resolved
  std::string out_uri;
  std::string out_prefix;
  bool out_attribute = false;
  ValueType in_type = ValueType::text;  // reverse: the canonical value's type
};

struct ErrorRule {
  Path match;
  std::optional<Path> code;
  std::optional<Path> message;
  bool qname = false;  // codes are XML QNames: compare namespace URI + local name
  std::vector<std::pair<std::string, Errc>> codes;
  Errc otherwise = Errc::partner_unavailable;
  Pos pos;
};

struct Mapping {
  std::string id;
  std::string file;
  std::string stem;  // file name without extension: names its cases
  int version = 0;
  std::string partner;
  Direction direction = Direction::forward;
  Format format = Format::json;  // forward: source format; reverse: output format
  const Entity* entity = nullptr;
  std::vector<std::pair<std::string, std::string>> namespaces;  // prefix -> URI
  Path root;
  std::vector<ErrorRule> errors;
  std::vector<Field> fields;
  Scope scope;  // the scope of `fields`, at the root
  bool partner_audience = false;
  // reverse XML output
  std::string out_root_uri, out_root_prefix, out_root_name;

  // The most provenance entries and frames a record of this mapping has needed so far: the next
  // record reserves that much at once instead of growing its vectors field by field.
  mutable std::atomic<std::uint32_t> sources_seen{0};
  mutable std::atomic<std::uint32_t> frames_seen{0};
};

}  // namespace hub::mapping
