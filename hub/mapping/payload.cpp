#include "hub/mapping/payload.hpp"

#include "hub/mapping/xml_records.hpp"
#include "hub/text/json.hpp"
#include "hub/text/utf8.hpp"

#include <string>

namespace hub::mapping {

namespace {

Error malformed(std::string detail, std::string message) {
  return make_error(Errc::malformed_response, std::move(message), std::move(detail));
}

// The same walk as parse_xml's, over the records: false when the tree nests deeper than max.
bool within_depth(const xml::NodeRecord* top, unsigned max) {
  unsigned depth = 0;
  const xml::NodeRecord* n = top;
  while (n) {
    if (n->first_child) {
      if (++depth > max) return false;
      n = n->first_child;
      continue;
    }
    while (n != top && !n->next_sibling) {
      n = n->parent;
      --depth;
    }
    if (n == top) break;
    n = n->next_sibling;
  }
  return true;
}

}  // namespace

namespace {

// A UTF-8 byte order mark is allowed before either format and means nothing.
std::string_view without_bom(std::string_view s) {
  return s.substr(0, 3) == "\xEF\xBB\xBF" ? s.substr(3) : s;
}

// True when some element's text may be in several pieces: the payload has a CDATA section, a
// comment or a processing instruction (past the XML declaration).
bool split_text(std::string_view payload) {
  if (payload.starts_with("<?xml")) {
    const auto end = payload.find("?>");
    payload.remove_prefix(end == std::string_view::npos ? payload.size() : end + 2);
  }
  return payload.find("<!") != std::string_view::npos ||
         payload.find("<?") != std::string_view::npos;
}

}  // namespace

Result<void> parse_xml(std::string_view payload, pugi::xml_document& doc, const Limits& limits) {
  // Offsets are the body's as sent, its byte order mark counted (as the JSON reader's are).
  const std::size_t bom = payload.size() - without_bom(payload).size();
  payload.remove_prefix(bom);
  if (payload.size() > limits.max_bytes)
    return malformed("too_large",
                     "the body is larger than " + std::to_string(limits.max_bytes) + " bytes");
  if (const auto bad = text::invalid_utf8_at(payload))
    return malformed("invalid_utf8",
                     "the body is not valid UTF-8 (at byte " + std::to_string(*bad + bom) + ")");
  // DOCTYPE is parsed only to be refused: pugixml never expands entities, and a partner contract
  // never needs a DTD, so any DTD is treated as hostile.
  unsigned options = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_doctype;
  // An element's text is all its text and CDATA children (the evaluator joins them), white space
  // included. Text is in pieces only where CDATA sections, comments or processing instructions
  // cut it; only then are the pieces of white space kept, which would otherwise cost a node for
  // every indentation.
  if (split_text(payload)) options |= pugi::parse_ws_pcdata;
  pugi::xml_parse_result r =
      doc.load_buffer(payload.data(), payload.size(), options, pugi::encoding_utf8);
  if (!r) {
    if (r.status == pugi::status_no_document_element)
      return malformed(payload.find('<') == std::string_view::npos &&
                               payload.find_first_not_of(" \t\r\n") == std::string_view::npos
                           ? "empty_body"
                           : "xml_malformed",
                       "the body holds no XML element");
    // Cut short: the parser failed on the last, unfinished tag or ran out of input with elements
    // still open; a mismatch with complete tags after it is malformed, not truncated.
    const auto off = static_cast<std::size_t>(r.offset);
    const bool at_end =
        off + 2 >= payload.size() || payload.find('>', off) == std::string_view::npos;
    return malformed(at_end ? "xml_truncated" : "xml_malformed",
                     std::string(at_end ? "the XML ends early: " : "the XML is malformed: ") +
                         r.description() + " at byte " + std::to_string(r.offset + bom));
  }
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling())
    if (n.type() == pugi::node_doctype)
      return malformed("doctype_forbidden",
                       "the body declares a DTD, which no partner contract allows");

  // Walk the tree without recursion to bound its depth; through pugixml's records inline when
  // their layout was checked (xml_records.hpp), as the evaluator reads them.
  if (xml::read_records) {
    const auto* top =
        reinterpret_cast<const xml::NodeRecord*>(doc.document_element().internal_object());
    if (!within_depth(top, limits.max_depth))
      return malformed("too_deep",
                       "the XML nests deeper than " + std::to_string(limits.max_depth) + " levels");
    return {};
  }
  unsigned depth = 0;
  pugi::xml_node n = doc.document_element();
  const pugi::xml_node top = n;
  while (n) {
    pugi::xml_node child = n.first_child();
    if (child) {
      if (++depth > limits.max_depth)
        return malformed("too_deep", "the XML nests deeper than " +
                                         std::to_string(limits.max_depth) + " levels");
      n = child;
      continue;
    }
    while (n != top && !n.next_sibling()) {
      n = n.parent();
      --depth;
    }
    if (n == top) break;
    n = n.next_sibling();
  }
  return {};
}

Result<void> parse_json(std::string_view payload, rapidjson::Document& doc, const Limits& limits) {
  // One reader for every JSON that enters the hub: I-JSON's refusals, clean text (hub/text).
  text::JsonOptions o;
  o.max_bytes = limits.max_bytes;
  o.max_depth = limits.max_depth;
  o.numbers_as_text = true;
  if (auto problem = text::read_json(payload, doc, o))
    return malformed(std::move(problem->code), std::move(problem->message));
  return {};
}

}  // namespace hub::mapping
