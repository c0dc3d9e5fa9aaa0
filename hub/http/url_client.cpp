#include "hub/http/url_client.hpp"

#include <boost/url/parse.hpp>

#include "hub/tls/context.hpp"

namespace hub::http {

Result<UrlClient> url_client(const std::string& url, const std::string& cert,
                             const std::string& key, const std::string& ca,
                             std::chrono::milliseconds timeout, std::size_t max_response_bytes) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->scheme() != "https" || u->host().empty()) {
    return make_error(Errc::invalid_input, "--url '" + url + "' is not an https:// URL");
  }
  auto ctx = tls::make_client_context({ca, cert, key});
  if (!ctx) return ctx.error();
  ClientOptions o;
  o.name = "hub";
  o.base_url = "https://" + std::string(u->encoded_host_and_port());
  o.tls = *ctx;
  o.max_connections = 1;
  o.request_timeout = timeout;
  o.max_response_bytes = max_response_bytes;
  auto pool = ClientPool::create(std::move(o), nullptr);
  if (!pool) return pool.error();
  std::string prefix(u->encoded_path());
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return UrlClient{*pool, prefix};
}

}  // namespace hub::http
