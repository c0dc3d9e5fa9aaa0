// Safe parsing of partner payloads: UTF-8 checked, XML without DTDs or entities and with a depth
// limit, JSON read by hub/text's one JSON reader (RFC 8259 and I-JSON, clean text, a depth
// limit). Every failure is a typed malformed_response whose detail says what was wrong
// (xml_truncated, invalid_utf8, too_deep, json_duplicate_key, json_lone_surrogate, ...).
#pragma once

#include "hub/core/error.hpp"
#include "hub/text/utf8.hpp"

#include <cstddef>
#include <pugixml.hpp>
#include <string_view>

#include <rapidjson/document.h>

namespace hub::mapping {

struct Limits {
  std::size_t max_bytes = 16u << 20;
  unsigned max_depth = 64;
};

inline bool valid_utf8(std::string_view s) {
  return text::valid_utf8(s);
}

Result<void> parse_xml(std::string_view payload, pugi::xml_document& doc, const Limits& = {});
Result<void> parse_json(std::string_view payload, rapidjson::Document& doc, const Limits& = {});

}  // namespace hub::mapping
