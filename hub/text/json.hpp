// Reading JSON that enters the hub, from partners (answers, pushed events) and from clients
// (request bodies), so that it means one thing to every reader (docs/text.md):
//   - RFC 8259 grammar, UTF-8 only (section 8.1), no byte order mark but an ignored leading one;
//   - I-JSON (RFC 7493): no lone surrogate escape and no noncharacter (section 2.1), no member
//     name twice in an object (section 2.3, RFC 8259 section 4), no number a double cannot hold
//     as written: integers within +-(2^53 - 1), other numbers within the range and precision of
//     an IEEE 754 double (section 2.2);
//   - every string and member name through the entry rule (clean.hpp), so the document holds
//     clean text only;
//   - at most max_depth nested arrays and objects, parsed without recursion.
// A refusal names its stable code, the JSON pointer (RFC 6901) of what it is about, and the byte
// offset where the parser was.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>

#include <optional>
#include <string>
#include <string_view>
#include "hub/core/error.hpp"

namespace hub::text {

struct JsonOptions {
  std::size_t max_bytes = 16u << 20;
  unsigned max_depth = 64;
  // Numbers kept as their text (strings in the document), as the mapping engine reads them;
  // otherwise integers are int64 and other numbers doubles.
  bool numbers_as_text = false;
};

struct JsonProblem {
  // empty_body | too_large | invalid_utf8 | json_malformed | json_truncated | too_deep |
  // json_duplicate_key | json_lone_surrogate | json_number_out_of_range |
  // text_control_character | text_noncharacter
  std::string code;
  std::string pointer;  // of the value or member concerned; "" for the document
  std::size_t offset = 0;
  std::string message;  // for people, with the pointer and the offset
};

std::optional<JsonProblem> read_json(std::string_view body, rapidjson::Document& doc,
                                     const JsonOptions& options = {});

// A client's request body, as every reader of one (hub/api, the registry's parse_body) reads it:
// read_json, numbers typed, at most `max_depth` levels. Its refusal is 400: invalid_input for a
// syntax error or a limit, the refusal's own code otherwise (json_duplicate_key, invalid_utf8,
// text_control_character...), the message naming the JSON pointer and the byte offset.
Result<rapidjson::Document> read_client_body(std::string_view body, unsigned max_depth = 32);

}  // namespace hub::text
