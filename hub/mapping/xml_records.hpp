// Inline reads of a parsed pugixml tree.
//
// Debian ships pugixml as a compiled library, so every accessor of xml_node and xml_attribute,
// down to the null test, is a call across the shared-library boundary; a mapping reads a few
// hundred of them per record and the calls cost as much as the work. The records they read are
// plain structs whose layout pugixml has kept since 1.5 (a header word whose low four bits are
// the node type, then name, value and links). These mirrors read them inline.
//
// The layout is not pugixml's public interface, so it is checked, once, against the public
// accessors on a small document (every link, name, value and type). When pugixml changes it, the
// check fails and every read goes through the public accessors again: slower, never wrong.
#pragma once

#include <cstdint>
#include <pugixml.hpp>

namespace hub::mapping::xml {

struct AttributeRecord {
  std::uintptr_t header;
  char* name;
  char* value;
  AttributeRecord* prev_attribute_c;
  AttributeRecord* next_attribute;
};

struct NodeRecord {
  std::uintptr_t header;
  char* name;
  char* value;
  NodeRecord* parent;
  NodeRecord* first_child;
  NodeRecord* prev_sibling_c;
  NodeRecord* next_sibling;
  AttributeRecord* first_attribute;
};

constexpr std::uintptr_t kTypeMask = 15;

// Whether the evaluator reads the records inline: the check's result, set before main. Tests
// clear it to run the public-accessor path too.
extern bool read_records;

// The check itself, on a document it builds; exposed for the unit test.
bool check_records();

}  // namespace hub::mapping::xml
