// Outbound HTTPS over mutual TLS: a keep-alive connection pool per partner, with a connect
// deadline, a request deadline, a response size limit, TLS session resumption, and a distinct
// error for every way a call can fail.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hub/core/error.hpp"
#include "hub/http/message.hpp"
#include "hub/http/metrics.hpp"
#include "hub/http/pacer.hpp"

namespace hub::http {

struct ClientOptions {
  std::string name;         // the partner, for metrics and error messages
  std::string base_url;     // https://host:port
  std::string server_name;  // SNI and the name checked in the certificate; default: the host
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::size_t max_connections = 16;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{5'000};
  std::size_t max_response_bytes = 2 * 1024 * 1024;
  // Requests per second towards the partner (0: no limit), with bursts of `rate_burst`. The pace
  // is kept where a request is written, once it has its connection: pacing earlier would let
  // requests queued for a connection reach the partner bunched together, over its quota.
  double rate_per_second = 0;
  double rate_burst = 0;
  // Tokens of the burst a bulk call leaves to the interactive ones (pacer.hpp; at most burst - 1).
  double rate_reserve = 0;
  // Another pace than that token bucket (pacer.hpp): hub nodes sharing a partner's quota.
  std::shared_ptr<Pacer> pacer;
};

// Error details (Error::detail) a call can end with:
//   resolve_failed, connect_refused, connect_failed (partner_unavailable);
//   connect_timeout, request_timeout, pool_timeout (timeout);
//   tls_handshake_failed, certificate_verify_failed (tls_failure);
//   response_too_large (over max_response_bytes, counted once decoded), response_truncated,
//   bad_http (a message RFC 9112 says to refuse: Content-Length with chunked, Content-Lengths
//   that differ...), unsupported_content_encoding, bad_content_encoding, unsupported_charset,
//   bad_charset (malformed_response);
//   io_error (partner_unavailable);
//   local_quota (rate_limited: the configured pace leaves no slot before the deadline).
// Idle connections keep the sockets and timers of the io_context that opened them: the pool must
// be destroyed before that io_context is.
class ClientPool : public std::enable_shared_from_this<ClientPool> {
 public:
  struct Stats {
    std::uint64_t connections_opened = 0;
    std::uint64_t full_handshakes = 0;
    std::uint64_t resumed_handshakes = 0;
    std::uint64_t reused_connections = 0;
  };

  static Result<std::shared_ptr<ClientPool>> create(ClientOptions options, Metrics* metrics);
  ~ClientPool();

  // Sends the request (Host, Content-Length, keep-alive and Accept-Encoding are set here) and
  // reads the answer, all before `deadline` (and within the request timeout). The answer comes
  // back decoded: its transfer and content codings (gzip, deflate) undone, its text in UTF-8
  // when Content-Type declares another charset (content_coding.hpp, docs/exchange.md).
  // `priority`: an interactive call has the partner's pace and the pool's free connections
  // before any bulk call (pacer.hpp); a bulk call waits for its turn of the pace before it takes
  // a connection, so that bulk calls waiting for the partner's tokens hold no connection.
  boost::asio::awaitable<Result<Response>> request(Request req,
                                                   std::chrono::steady_clock::time_point deadline,
                                                   Priority priority = Priority::interactive);

  Stats stats() const;
  const ClientOptions& options() const;
  // Closes the idle connections (the TLS sessions are kept for resumption).
  void close_idle();

 private:
  struct Impl;
  explicit ClientPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::http
