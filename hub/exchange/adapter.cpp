#include "hub/exchange/adapter.hpp"

namespace hub::exchange {

Error Adapter::classify_status(unsigned status, std::string_view) const {
  if (status == 404) return make_error(Errc::not_found, "the partner knows no such record");
  if (status == 400) return make_error(Errc::invalid_input, "the partner refused the identifier");
  if (status == 403) {
    return make_error(Errc::forbidden_purpose, "the partner refused the purpose of the request");
  }
  if (status == 429) return make_error(Errc::rate_limited, "the partner's quota is exhausted");
  if (status >= 500) {
    return make_error(Errc::partner_unavailable, "the partner answered " + std::to_string(status));
  }
  return make_error(Errc::malformed_response,
                    "unexpected HTTP status " + std::to_string(status) + " from the partner");
}

std::string Adapter::identifier(const Query& q) const {
  std::string id;
  for (const auto& [k, v] : q.params) id += (id.empty() ? "" : "/") + v;
  return id;
}

AdapterCatalog& AdapterCatalog::instance() {
  static AdapterCatalog catalog;
  return catalog;
}

void AdapterCatalog::add(std::string name, AdapterFactory factory) {
  factories_[std::move(name)] = std::move(factory);
}

Result<std::unique_ptr<Adapter>> AdapterCatalog::make(
    const config::PartnerEndpoint& endpoint) const {
  auto it = factories_.find(endpoint.adapter);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    return make_error(Errc::internal,
                      "partner " + endpoint.name + ": no adapter named '" + endpoint.adapter +
                          "' (known: " + known + ")",
                      "unknown_adapter");
  }
  return it->second(endpoint);
}

std::vector<std::string> AdapterCatalog::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

std::string require_param(const Query& q, const std::string& key) {
  auto it = q.params.find(key);
  return it == q.params.end() ? std::string{} : it->second;
}

http::Request make_request(http::bhttp::verb method, std::string target, const Query& q) {
  http::Request req{method, std::move(target), 11};
  req.set("X-Correlation-ID", q.correlation_id);
  return req;
}

}  // namespace hub::exchange
