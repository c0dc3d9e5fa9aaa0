// A plain synchronous HTTPS client for integration tests, independent of the hub's own client
// pool, that can also be told to misbehave: no certificate, an old TLS version, a weak suite,
// headers sent slowly.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace testing_support {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct ClientSetup {
  std::string ca;           // trusted server CA; empty: do not verify the server
  std::string certificate;  // client certificate; empty: present none
  std::string key;
  int min_version = 0;  // e.g. TLS1_1_VERSION; 0: library default
  int max_version = 0;
  std::string tls12_ciphers;  // empty: default
  int security_level = -1;    // OpenSSL security level; -1: default
  std::string server_name = "localhost";
  std::chrono::milliseconds timeout{0};  // receive timeout; 0: none
};

struct Exchange {
  bool handshake_ok = false;
  std::string error;  // handshake or I/O error text
  std::optional<HttpResponse> response;
};

// One request on a fresh connection.
Exchange https_request(unsigned short port, const ClientSetup& setup, const std::string& method,
                       const std::string& target, const std::string& body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

struct Call {
  std::string method = "GET";
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Several requests, one after the other, on one kept-alive connection; stops at the first error
// (the last Exchange then holds it).
std::vector<Exchange> https_requests(unsigned short port, const ClientSetup& setup,
                                     const std::vector<Call>& calls);

// One kept-alive connection on which the test makes requests when it chooses (between them the
// server may change its mind: a CRL reloaded, a limit reached), timing each step.
class TlsConnection {
 public:
  // Connects to 127.0.0.1:port and completes the TLS handshake (see handshake_ok, error).
  TlsConnection(unsigned short port, const ClientSetup& setup);
  ~TlsConnection();  // TLS shutdown (at most 1 s), then close
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool handshake_ok() const;
  const std::string& error() const;  // why the connection or the handshake failed
  // From the TCP connection's start to the end of the TLS handshake.
  std::chrono::nanoseconds handshake_took() const;
  // One request, its answer read whole; Exchange::error says why there is none.
  Exchange request(const Call& call);
  // From the request's first byte written to the answer's last byte read, for the last request.
  std::chrono::nanoseconds request_took() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sends the raw bytes of a request with a pause after each chunk of `chunk` bytes; returns what
// happened (a response, or the connection closed by the server).
Exchange slow_request(unsigned short port, const ClientSetup& setup, const std::string& raw,
                      std::size_t chunk, std::chrono::milliseconds pause,
                      std::chrono::milliseconds give_up_after);

// Sends the raw bytes of several requests in one write (HTTP/1.1 pipelining) and reads `answers`
// responses from the connection, in order; stops at the first read that fails.
std::vector<Exchange> pipelined_requests(unsigned short port, const ClientSetup& setup,
                                         const std::string& raw, std::size_t answers);

// The agency's or another client's setup from the test PKI ("agency", "admin",
// "negative/expired"...).
ClientSetup client(const std::string& name);

}  // namespace testing_support
