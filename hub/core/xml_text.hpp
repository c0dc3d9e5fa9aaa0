// XML text escaping, shared by whatever writes XML (the DGSN adapter's SOAP request, reverse
// mappings' partner views).
#pragma once

#include <string>
#include <string_view>

namespace hub {

// Appends `s` with &, <, > (and " in an attribute value) escaped.
void append_xml_escaped(std::string& out, std::string_view s, bool attribute = false);
std::string xml_escaped(std::string_view s);

}  // namespace hub
