// The HTTPS server: Boost.Beast on Asio coroutines, mutual TLS on every listener, limits on every
// read, a correlation id on every exchange, one JSON access-log line per request. Each listener
// keeps its own connection limits (ConnectionTable): nothing of TLS is built before a
// connection's ClientHello has arrived whole, and a full pre-handshake budget evicts rather than
// refuses.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/http/connection_table.hpp"
#include "hub/http/message.hpp"
#include "hub/http/metrics.hpp"
#include "hub/tls/context.hpp"

namespace hub::http {

// Limits on every request, the same on every listener.
struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  // From accept to the end of the TLS handshake (the wait for its first byte included).
  std::chrono::milliseconds handshake_timeout{5'000};
};

struct ListenerOptions {
  std::string name;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see Server::listen's result)
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Maps the verified client certificate to a principal; nullptr answers 403 unknown_principal.
  std::function<const Principal*(const tls::PeerIdentity&)> authenticate;
  Handler handler;
  // The routes that read their body in pieces (Router::streamed_routes); empty: none, and every
  // request is read whole within limits.max_body_bytes.
  StreamedRoutes streamed;
  bool access_log = true;
  bool request_metrics = true;   // per-request counters and histograms (a simulator skips them)
  ConnectionLimits connections;  // this listener's own: a flood on one leaves the others be
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, ServerLimits limits, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds now and starts accepting; returns the bound port.
  Result<std::uint16_t> listen(ListenerOptions options);
  // New connections to this listener use `tls` from now on: how a renewed certificate, a new CA or
  // a fresh CRL takes effect without a restart. Open connections keep theirs, but each one's
  // client chain is verified again against `tls` (its CAs, CRLs, purpose): one that no longer
  // verifies (revoked, its CA dropped) is closed. Returns how many were closed; nullopt: no such
  // listener.
  std::optional<std::size_t> set_tls(const std::string& listener,
                                     std::shared_ptr<boost::asio::ssl::context> tls);
  // Stops accepting; open connections finish their current request.
  void stop();

  std::size_t open_connections() const { return open_connections_.load(); }

 private:
  struct Listener;
  class Connection;
  struct Tracking;
  struct Incoming;
  struct Outgoing;
  using awaitable = boost::asio::awaitable<void>;

  awaitable accept_loop(std::shared_ptr<Listener> l);
  void admit(const std::shared_ptr<Listener>& l, boost::asio::ip::tcp::socket socket);
  // A connection's life: each step below is one phase of it.
  awaitable session(std::shared_ptr<Listener> l, std::shared_ptr<Connection> c);
  // Reads the ClientHello's first TLS record whole from the plain socket: the first byte within
  // the first-byte timeout, the rest within the handshake timeout (both from accept).
  boost::asio::awaitable<bool> read_client_hello(Listener& l, Connection& c);
  // False: the handshake failed, the connection was evicted, or a TLS reload during it no longer
  // trusts the client.
  boost::asio::awaitable<bool> handshake(Listener& l, Connection& c);
  awaitable serve_requests(Listener& l, Connection& c);
  // False: the connection is gone (closed, idle, too slow), nothing to answer.
  boost::asio::awaitable<bool> read_request(Listener& l, Connection& c, bool first, Incoming& in);
  // A request that may be for a streamed route: its header first, then its body whole unless
  // the route is a streamed one (Incoming::streamed_limit).
  awaitable read_header_first(Listener& l, Connection& c, Incoming& in);
  awaitable dispatch(Listener& l, Connection& c, Incoming& in, Outgoing& out);
  // A streamed route's request: the handler reads the body from the connection.
  awaitable dispatch_streamed(Listener& l, Connection& c, Incoming& in, Outgoing& out);
  // False: the answer could not be written whole.
  boost::asio::awaitable<bool> write_response(Listener& l, Connection& c, const Incoming& in,
                                              Outgoing& out);
  // Reads and discards what the client still sends (at most 4 × limit bytes, for a second).
  awaitable lingering_close(Connection& c, std::size_t limit);

  boost::asio::io_context& ioc_;
  ServerLimits limits_;
  Metrics& metrics_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::atomic<std::size_t> open_connections_{0};
  // False once the server is destroyed: sessions that the io_context destroys later (pending at
  // shutdown) must not touch the server or its metrics.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace hub::http
