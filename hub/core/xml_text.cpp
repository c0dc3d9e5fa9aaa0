#include "hub/core/xml_text.hpp"

namespace hub {

void append_xml_escaped(std::string& out, std::string_view s, bool attribute) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (attribute) {
          out += "&quot;";
          break;
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
}

std::string xml_escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_xml_escaped(out, s);
  return out;
}

}  // namespace hub
