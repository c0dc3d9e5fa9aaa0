#include "hub/mapping/payload.hpp"

#include "hub/mapping/xml_records.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <string>

namespace hub::mapping {

namespace {

Error malformed(std::string detail, std::string message) {
  return make_error(Errc::malformed_response, std::move(message), std::move(detail));
}

// Forwards SAX events to the document and stops when nesting passes the limit, so that neither
// the parser nor anything walking the tree later can be driven into deep recursion.
struct DepthLimited {
  rapidjson::Document& d;
  unsigned max;
  unsigned depth = 0;
  bool too_deep = false;

  bool Null() { return d.Null(); }
  bool Bool(bool b) { return d.Bool(b); }
  bool Int(int i) { return d.Int(i); }
  bool Uint(unsigned i) { return d.Uint(i); }
  bool Int64(std::int64_t i) { return d.Int64(i); }
  bool Uint64(std::uint64_t i) { return d.Uint64(i); }
  bool Double(double v) { return d.Double(v); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return d.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return d.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return d.Key(s, n, copy); }
  bool StartObject() { return enter() && d.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return --depth, d.EndObject(n); }
  bool StartArray() { return enter() && d.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return --depth, d.EndArray(n); }

  bool enter() {
    if (++depth > max) {
      too_deep = true;
      return false;
    }
    return true;
  }
};

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

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII runs are most of every payload: test eight bytes at a time.
    if (end - p >= 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if ((chunk & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07;
    else
      return false;
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

namespace {

// A UTF-8 byte order mark is allowed before either format and means nothing.
std::string_view without_bom(std::string_view s) {
  return s.substr(0, 3) == "\xEF\xBB\xBF" ? s.substr(3) : s;
}

}  // namespace

Result<void> parse_xml(std::string_view payload, pugi::xml_document& doc, const Limits& limits) {
  payload = without_bom(payload);
  if (payload.size() > limits.max_bytes)
    return malformed("too_large",
                     "the body is larger than " + std::to_string(limits.max_bytes) + " bytes");
  if (!valid_utf8(payload)) return malformed("invalid_utf8", "the body is not valid UTF-8");
  // DOCTYPE is parsed only to be refused: pugixml never expands entities, and a partner contract
  // never needs a DTD, so any DTD is treated as hostile.
  const unsigned options = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_doctype;
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
                         r.description() + " at byte " + std::to_string(r.offset));
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
  payload = without_bom(payload);
  if (payload.size() > limits.max_bytes)
    return malformed("too_large",
                     "the body is larger than " + std::to_string(limits.max_bytes) + " bytes");
  // UTF-8 is checked before parsing, eight ASCII bytes at a time: a quarter of rapidjson's own
  // parse time goes to its byte-by-byte validation (kParseValidateEncodingFlag).
  if (!valid_utf8(payload)) return malformed("invalid_utf8", "the body is not valid UTF-8");
  rapidjson::MemoryStream ms(payload.data(), payload.size());
  rapidjson::Reader reader;
  DepthLimited handler{doc, limits.max_depth};
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  auto generator = [&](rapidjson::Document&) {
    return static_cast<bool>(reader.Parse<flags>(ms, handler));
  };
  doc.Populate(generator);
  if (!reader.HasParseError()) return {};
  if (handler.too_deep)
    return malformed("too_deep",
                     "the JSON nests deeper than " + std::to_string(limits.max_depth) + " levels");
  const auto code = reader.GetParseErrorCode();
  const std::size_t at = reader.GetErrorOffset();
  if (code == rapidjson::kParseErrorDocumentEmpty)
    return malformed("empty_body", "the body is empty");
  const bool at_end = at >= payload.size();
  return malformed(at_end ? "json_truncated" : "json_malformed",
                   std::string(at_end ? "the JSON ends early: " : "the JSON is malformed: ") +
                       rapidjson::GetParseError_En(code) + " at byte " + std::to_string(at));
}

}  // namespace hub::mapping
