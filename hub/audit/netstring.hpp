// Netstrings ("<decimal length>:<bytes>,"): the field encoding the journal hashes. A length prefix
// makes the encoding unambiguous: no byte can move from one field to the next unnoticed.
#pragma once

#include <string>
#include <string_view>

namespace hub::audit {

inline void append_netstring(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

}  // namespace hub::audit
