// A client of one HTTPS server named by URL, with a client certificate: what the command-line
// tools (`cnss-hub audit witness`, `cnss-hub jobs prefill`) use to call a hub over mutual TLS.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "hub/core/error.hpp"
#include "hub/http/client.hpp"

namespace hub::http {

struct UrlClient {
  std::shared_ptr<ClientPool> pool;  // one connection, kept alive
  std::string prefix;                // the URL's path, without a trailing slash ("" for none)
};

// `url`: https://host[:port][/path]; `cert`, `key`, `ca`: PEM files (the server is verified
// against `ca`, under the URL's host name). invalid_input when the URL is not https://.
Result<UrlClient> url_client(const std::string& url, const std::string& cert,
                             const std::string& key, const std::string& ca,
                             std::chrono::milliseconds timeout, std::size_t max_response_bytes);

}  // namespace hub::http
