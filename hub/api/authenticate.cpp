#include "hub/api/authenticate.hpp"

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"

namespace hub::api {
namespace {

void log_issuer_mismatch(const std::string& listener, const config::PrincipalMatch& m,
                         const tls::PeerIdentity& id) {
  // A subject may carry a person's identifier (serialNumber=...): masked like any log line.
  log::warn("client certificate refused: it has a principal's subject but not its CA",
            {{"listener", listener},
             {"reason", config::to_string(m.miss)},
             {"principal", m.claimed->name},
             {"subject", mask_identifiers_in(id.subject)},
             {"issuer", mask_identifiers_in(id.issuer)},
             {"issuer_key_id", id.issuer_key_id},
             {"expected_issuer", mask_identifiers_in(m.claimed->issuer)},
             {"serial", id.serial}});
}

}  // namespace

std::function<const http::Principal*(const tls::PeerIdentity&)> make_authenticator(
    std::string listener, const config::HubConfig& config,
    const std::vector<http::Principal>& principals, http::Metrics& metrics) {
  return [listener = std::move(listener), &config, &principals,
          &metrics](const tls::PeerIdentity& id) -> const http::Principal* {
    const auto m = config.principal_by_subject(id.subject, id.issuer, id.issuer_key_id);
    if (m.principal != nullptr) {
      return &principals[static_cast<std::size_t>(m.principal - config.principals.data())];
    }
    metrics.increment("cnss_principal_rejected_total",
                      "Verified client certificates (one per connection) that map to no "
                      "principal, by listener and reason",
                      {{"listener", listener}, {"reason", config::to_string(m.miss)}});
    if (m.claimed != nullptr) log_issuer_mismatch(listener, m, id);
    return nullptr;
  };
}

}  // namespace hub::api
