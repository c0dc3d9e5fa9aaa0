// The HTTPS server: Boost.Beast on Asio coroutines, mutual TLS on every listener, limits on every
// read, a correlation id on every exchange, one JSON access-log line per request.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/http/message.hpp"
#include "hub/http/metrics.hpp"
#include "hub/tls/context.hpp"

namespace hub::http {

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds handshake_timeout{5'000};
  std::size_t max_connections = 1024;
};

struct ListenerOptions {
  std::string name;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see Server::listen's result)
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Maps the verified client certificate to a principal; nullptr answers 403 unknown_principal.
  std::function<const Principal*(const tls::PeerIdentity&)> authenticate;
  Handler handler;
  bool access_log = true;
  bool request_metrics = true;  // per-request counters and histograms (a simulator skips them)
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, ServerLimits limits, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds now and starts accepting; returns the bound port.
  Result<std::uint16_t> listen(ListenerOptions options);
  // New connections to this listener use `tls` from now on (open ones keep theirs): how a renewed
  // certificate, a new CA or a fresh CRL takes effect without a restart. False: no such listener.
  bool set_tls(const std::string& listener, std::shared_ptr<boost::asio::ssl::context> tls);
  // Stops accepting; open connections finish their current request.
  void stop();

  std::size_t open_connections() const { return open_connections_.load(); }

 private:
  struct Listener;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Listener> l);
  boost::asio::awaitable<void> session(std::shared_ptr<Listener> l,
                                       boost::asio::ip::tcp::socket socket);

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
