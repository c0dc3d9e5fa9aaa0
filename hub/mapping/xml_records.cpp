#include "hub/mapping/xml_records.hpp"

#include <bit>
#include <cstring>

namespace hub::mapping::xml {

namespace {

NodeRecord* rec(pugi::xml_node n) {
  return reinterpret_cast<NodeRecord*>(n.internal_object());
}
AttributeRecord* rec(pugi::xml_attribute a) {
  return reinterpret_cast<AttributeRecord*>(a.internal_object());
}

// pugixml's accessors answer "" for an absent name or value; the records hold null.
bool same_text(const char* from_record, const char* from_api) {
  return from_record ? from_record == from_api : *from_api == '\0';
}

bool node_matches(pugi::xml_node n) {
  const NodeRecord* r = rec(n);
  return r != nullptr && static_cast<int>(r->header & kTypeMask) == static_cast<int>(n.type()) &&
         same_text(r->name, n.name()) && same_text(r->value, n.value()) &&
         r->parent == rec(n.parent()) && r->first_child == rec(n.first_child()) &&
         r->next_sibling == rec(n.next_sibling()) && r->first_attribute == rec(n.first_attribute());
}

}  // namespace

bool check_records() {
  static_assert(sizeof(pugi::xml_node) == sizeof(void*) &&
                sizeof(pugi::xml_attribute) == sizeof(void*));
  static const char kProbe[] =
      "<a:r xmlns:a='urn:a' k='v' l='w'>text<![CDATA[cdata]]><a:b c='d'/><e>f</e><!--c--></a:r>";
  pugi::xml_document doc;
  if (!doc.load_buffer(kProbe, std::strlen(kProbe), pugi::parse_default | pugi::parse_comments))
    return false;
  // Every node in document order, its attributes too; the document node itself first.
  pugi::xml_node n = doc;
  unsigned seen = 0;
  while (n) {
    if (!node_matches(n)) return false;
    ++seen;
    for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
      const AttributeRecord* r = rec(a);
      if (!same_text(r->name, a.name()) || !same_text(r->value, a.value()) ||
          r->next_attribute != rec(a.next_attribute()))
        return false;
    }
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling()) n = n.parent();
    if (n) n = n.next_sibling();
  }
  // document, a:r, text, cdata, a:b, e, f, comment
  return seen == 8;
}

bool read_records = check_records();

}  // namespace hub::mapping::xml
