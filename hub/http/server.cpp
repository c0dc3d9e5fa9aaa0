#include "hub/http/server.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <sstream>
#include <tuple>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"

namespace hub::http {
namespace {
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void access_log(const RequestContext& ctx, std::string_view method, std::string_view target,
                unsigned status, std::size_t bytes_in, std::size_t bytes_out,
                std::chrono::nanoseconds took) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  put(w, "ts", log::now_iso8601());
  put(w, "type", "access");
  put(w, "listener", ctx.listener);
  put(w, "method", method);
  // Paths and queries carry identifiers (CNIE, ICE...): they are masked before logging.
  put(w, "target", mask_identifiers_in(target));
  put(w, "route", ctx.route);
  w.Key("status");
  w.Uint(status);
  w.Key("duration_ms");
  w.Double(std::chrono::duration<double, std::milli>(took).count());
  w.Key("bytes_in");
  w.Uint64(bytes_in);
  w.Key("bytes_out");
  w.Uint64(bytes_out);
  put(w, "correlation_id", ctx.correlation_id);
  put(w, "principal", ctx.principal != nullptr ? std::string_view(ctx.principal->name) : "-");
  put(w, "remote", ctx.remote_address);
  w.EndObject();
  log::write_raw_line({sb.GetString(), sb.GetSize()});
}

// Writes the serialized response a few bytes at a time (fault injection: a slow partner body).
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_slowly(
    beast::ssl_stream<beast::tcp_stream>& stream, Response& res, const RequestContext& ctx) {
  std::ostringstream os;
  os << res;
  const std::string raw = os.str();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::size_t written = 0;
  while (written < raw.size()) {
    const std::size_t n = std::min(ctx.slow_write_chunk, raw.size() - written);
    auto [ec, k] =
        co_await asio::async_write(stream, asio::buffer(raw.data() + written, n), use_tuple);
    if (ec) co_return std::make_tuple(ec, written);
    written += k;
    timer.expires_after(ctx.slow_write_pause);
    co_await timer.async_wait(use_tuple);
  }
  co_return std::make_tuple(boost::system::error_code{}, written);
}

}  // namespace

struct Server::Listener {
  ListenerOptions options;
  tcp::acceptor acceptor;
  // The TLS context new connections use; replaced whole by set_tls (certificate, CA or CRL
  // reloaded) while connections already open keep the one they started with.
  std::atomic<std::shared_ptr<asio::ssl::context>> tls;
  Listener(ListenerOptions o, asio::io_context& ioc)
      : options(std::move(o)), acceptor(ioc), tls(options.tls) {}
};

Server::Server(asio::io_context& ioc, ServerLimits limits, Metrics& metrics)
    : ioc_(ioc), limits_(limits), metrics_(metrics) {}

Server::~Server() {
  alive_->store(false);
  stop();
}

Result<std::uint16_t> Server::listen(ListenerOptions options) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return make_error(Errc::internal,
                      "listener " + options.name + ": bad address '" + options.address + "'",
                      "bad_address");
  }
  auto l = std::make_shared<Listener>(std::move(options), ioc_);
  const tcp::endpoint ep(address, l->options.port);
  l->acceptor.open(ep.protocol(), ec);
  if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) l->acceptor.bind(ep, ec);
  if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(Errc::internal,
                      "listener " + l->options.name + ": cannot listen on " + l->options.address +
                          ":" + std::to_string(l->options.port) + ": " + ec.message(),
                      "listen_failed");
  }
  const auto port = l->acceptor.local_endpoint().port();
  listeners_.push_back(l);
  asio::co_spawn(ioc_, accept_loop(l), asio::detached);
  return port;
}

bool Server::set_tls(const std::string& listener, std::shared_ptr<asio::ssl::context> tls) {
  for (auto& l : listeners_) {
    if (l->options.name != listener) continue;
    l->tls.store(std::move(tls));
    return true;
  }
  return false;
}

void Server::stop() {
  for (auto& l : listeners_) {
    asio::post(l->acceptor.get_executor(), [l] {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
    });
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Listener> l) {
  for (;;) {
    // Each connection gets its own strand: its coroutine never runs on two threads at once.
    auto [ec, socket] = co_await l->acceptor.async_accept(asio::make_strand(ioc_), use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
      // Out of file descriptors and similar: keep serving the connections we have.
      log::warn("accept failed", {{"listener", l->options.name}, {"error", ec.message()}});
      continue;
    }
    if (open_connections_.load() >= limits_.max_connections) {
      metrics_.connection_refused(l->options.name, "max_connections");
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(l, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::session(std::shared_ptr<Listener> l, tcp::socket socket) {
  const std::string& lname = l->options.name;
  open_connections_.fetch_add(1);
  metrics_.connection_opened(lname);
  struct Closing {
    Server* s;
    std::shared_ptr<std::atomic<bool>> alive;
    const std::string& name;
    ~Closing() {
      if (!alive->load()) return;
      s->open_connections_.fetch_sub(1);
      s->metrics_.connection_closed(name);
    }
  } closing{this, alive_, lname};

  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string remote_address = ec ? "-" : remote.address().to_string();
  const std::shared_ptr<asio::ssl::context> tls = l->tls.load();  // held for the connection
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
  auto& tcp_layer = beast::get_lowest_layer(stream);

  tcp_layer.expires_after(limits_.handshake_timeout);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (hec) {
    metrics_.handshake_failed(lname, tls::handshake_failure_reason(hec, stream.native_handle()));
    co_return;
  }
  const auto peer = tls::peer_identity(stream.native_handle());
  const Principal* principal =
      peer && l->options.authenticate ? l->options.authenticate(*peer) : nullptr;

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    // Wait for the next request's first byte: the read timeout for the first request, the idle
    // timeout between kept-alive requests.
    if (buffer.size() == 0) {
      tcp_layer.expires_after(first ? limits_.read_timeout : limits_.idle_timeout);
      auto [rec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
      if (rec) co_return;  // closed by the client, or idle: nothing to answer
      buffer.commit(n);
    }
    first = false;

    RequestContext ctx;
    ctx.started = std::chrono::steady_clock::now();
    ctx.listener = lname;
    ctx.remote_address = remote_address;
    ctx.executor = co_await asio::this_coro::executor;
    ctx.principal = principal;
    if (peer) {
      ctx.peer_subject = peer->subject;
      ctx.peer_issuer = peer->issuer;
    }

    // The whole request, headers and body, must arrive within the read timeout: a client that
    // trickles its headers is cut there, without holding up anyone else.
    tcp_layer.expires_after(limits_.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    auto [pec, bytes_in] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);

    Response res;
    bool close_after = false;
    std::string method = "-";
    std::string target = "-";
    if (pec) {
      if (pec == beast::error::timeout || pec == asio::error::eof ||
          pec == asio::ssl::error::stream_truncated || pec == asio::error::connection_reset) {
        // The socket is gone (the timer closed it, or the client did): nothing can be answered.
        if (pec == beast::error::timeout) metrics_.connection_refused(lname, "read_timeout");
        co_return;
      }
      ctx.correlation_id = new_uuid();
      if (pec == bhttp::error::body_limit) {
        res = error_response(make_error(Errc::payload_too_large,
                                        "the request body is over the limit of " +
                                            std::to_string(limits_.max_body_bytes) + " bytes",
                                        "body_too_large"),
                             ctx);
      } else if (pec == bhttp::error::header_limit) {
        res = error_response(make_error(Errc::invalid_input,
                                        "the request headers are over the limit of " +
                                            std::to_string(limits_.max_header_bytes) + " bytes",
                                        "headers_too_large"),
                             ctx);
        res.result(bhttp::status::request_header_fields_too_large);
      } else {
        res = error_response(make_error(Errc::invalid_input,
                                        "malformed HTTP request: " + pec.message(), "bad_request"),
                             ctx);
      }
      close_after = true;  // the stream position is unknown after a parse error
      if (parser.is_header_done()) {
        method = std::string(parser.get().method_string());
        target = std::string(parser.get().target());
      }
    } else {
      Request& req = parser.get();
      method = std::string(req.method_string());
      target = std::string(req.target());
      const auto incoming = req["X-Correlation-ID"];
      ctx.correlation_id = is_safe_correlation_id(incoming) ? std::string(incoming) : new_uuid();
      if (principal == nullptr) {
        res = error_response(
            make_error(Errc::unknown_principal,
                       "the client certificate is valid but is not registered as a principal: "
                       "ask the hub's administrators to map its subject to a principal",
                       "unknown_principal"),
            ctx, req.version());
      } else {
        try {
          res = co_await l->options.handler(req, ctx);
        } catch (const std::exception& e) {
          log::error(
              "handler failed",
              {{"correlation_id", ctx.correlation_id}, {"route", ctx.route}, {"error", e.what()}});
          res = error_response(make_error(Errc::internal, "internal error"), ctx, req.version());
        }
      }
      res.version(req.version());
      if (req.method() == bhttp::verb::head) omit_content_for_head(res);
      close_after = !req.keep_alive();
    }
    res.set("X-Correlation-ID", ctx.correlation_id);
    res.keep_alive(!close_after);
    if (!res.has_content_length() && !res.chunked()) res.prepare_payload();

    if (ctx.reset_connection) {
      metrics_.request_done(lname, ctx.route, method, 0,
                            std::chrono::steady_clock::now() - ctx.started);
      boost::system::error_code ignored;
      tcp_layer.socket().set_option(asio::socket_base::linger(true, 0), ignored);
      tcp_layer.socket().close(ignored);
      co_return;
    }
    tcp_layer.expires_after(limits_.write_timeout);
    boost::system::error_code wec;
    std::size_t bytes_out = 0;
    if (ctx.slow_write_chunk > 0) {
      std::tie(wec, bytes_out) = co_await write_slowly(stream, res, ctx);
    } else {
      std::tie(wec, bytes_out) = co_await bhttp::async_write(stream, res, use_tuple);
    }
    const auto took = std::chrono::steady_clock::now() - ctx.started;
    if (l->options.request_metrics) {
      metrics_.request_done(lname, ctx.route, method, res.result_int(), took);
    }
    if (l->options.access_log) {
      access_log(ctx, method, target, res.result_int(), bytes_in, bytes_out, took);
    }
    if (wec) break;
    if (close_after) {
      if (pec) {
        // Lingering close: the client may still be sending the body we refused. Closing with
        // unread bytes makes the kernel reset the connection, and the client could lose our
        // answer; read and discard for a moment first.
        tcp_layer.expires_after(std::chrono::seconds(1));
        std::array<char, 16 * 1024> sink{};
        std::size_t drained = 0;
        while (drained < 4 * limits_.max_body_bytes) {
          auto [dec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
          if (dec) break;
          drained += n;
        }
      }
      break;
    }
  }
  tcp_layer.expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(use_tuple);
}

}  // namespace hub::http
