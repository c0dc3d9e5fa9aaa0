// Who a listener's client is: its verified certificate mapped to a principal of the
// configuration, by subject and by the CA that issued it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/http/message.hpp"
#include "hub/http/metrics.hpp"
#include "hub/tls/peer_identity.hpp"

namespace hub::api {

// The authenticate function of listener `listener` (http::ListenerOptions::authenticate), called
// once per connection: the principal whose subject, issuer and issuer key id the certificate has
// (config::HubConfig::principal_by_subject), or nullptr, which the server answers with
// 403 unknown_principal. Each miss is counted in
// cnss_principal_rejected_total{listener, reason=unknown_subject|issuer_mismatch|
// issuer_key_id_mismatch}; a certificate that has a principal's subject but not its CA is logged
// (warn) with its subject and CA, identifiers masked. `principals` is indexed like
// config.principals; all three must outlive the function.
std::function<const http::Principal*(const tls::PeerIdentity&)> make_authenticator(
    std::string listener, const config::HubConfig& config,
    const std::vector<http::Principal>& principals, http::Metrics& metrics);

}  // namespace hub::api
