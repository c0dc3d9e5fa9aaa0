// The principals: section of the hub's configuration: who a client certificate is, and the rules
// that bind a principal to the CA that issues its certificates.
#pragma once

#include <optional>
#include <string>

#include "hub/config/config.hpp"
#include "hub/config/yaml_reader.hpp"

namespace hub::config {

// Reads principals: (after listeners:, whose client CA files it counts). Refused, each at its
// position: a principal without an issuer when a listener trusts several CAs, a malformed
// issuer_key_id, an issuer_key_id without an issuer, a name or a (subject, issuer) declared twice.
void read_principals(ReadContext& ctx, MapReader& root, HubConfig& c);

// A key identifier as written in the file, hexadecimal bytes with or without a colon between each
// ("7A:1F:..." as `openssl x509 -text` prints it, or "7a1f..."), as lower-case hex without colons;
// nullopt when it is not that.
std::optional<std::string> normalise_key_id(const std::string& text);

}  // namespace hub::config
