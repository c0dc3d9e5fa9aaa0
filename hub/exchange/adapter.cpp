#include "hub/exchange/adapter.hpp"

#include <algorithm>

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

OptionSpec string_option(std::string name, std::string default_value) {
  OptionSpec o;
  o.name = std::move(name);
  o.default_value = std::move(default_value);
  return o;
}

OptionSpec required_string_option(std::string name) {
  OptionSpec o = string_option(std::move(name));
  o.required = true;
  return o;
}

OptionSpec integer_option(std::string name, std::int64_t min, std::int64_t max,
                          std::string default_value) {
  OptionSpec o = string_option(std::move(name), std::move(default_value));
  o.type = OptionSpec::Type::integer;
  o.min = min;
  o.max = max;
  return o;
}

OptionSpec boolean_option(std::string name, std::string default_value) {
  OptionSpec o = string_option(std::move(name), std::move(default_value));
  o.type = OptionSpec::Type::boolean;
  return o;
}

bool AdapterSchema::has_operation(std::string_view op) const {
  return std::find(operations.begin(), operations.end(), op) != operations.end();
}

const OptionSpec* AdapterSchema::option(std::string_view name) const {
  for (const auto& o : options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

void AdapterCatalog::add(std::string name, AdapterSchema schema, AdapterFactory factory) {
  entries_[std::move(name)] = {std::move(schema), std::move(factory)};
}

Result<std::unique_ptr<Adapter>> AdapterCatalog::make(
    const config::PartnerEndpoint& endpoint) const {
  auto it = entries_.find(endpoint.adapter);
  if (it == entries_.end()) {
    std::string known;
    for (const auto& [n, e] : entries_) known += (known.empty() ? "" : ", ") + n;
    return make_error(Errc::internal,
                      "partner " + endpoint.name + ": no adapter named '" + endpoint.adapter +
                          "' (known: " + known + ")",
                      "unknown_adapter");
  }
  config::PartnerEndpoint with_defaults = endpoint;
  for (const auto& o : it->second.schema.options) {
    if (!o.default_value.empty()) with_defaults.options.try_emplace(o.name, o.default_value);
  }
  return it->second.factory(with_defaults);
}

const AdapterSchema* AdapterCatalog::schema(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second.schema;
}

std::vector<std::string> AdapterCatalog::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : entries_) out.push_back(n);
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
