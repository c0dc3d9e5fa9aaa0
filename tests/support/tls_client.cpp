#include "support/tls_client.hpp"

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <thread>

#include "support/pki.hpp"

namespace testing_support {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::unique_ptr<ssl::context> make_ctx(const ClientSetup& s) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* n = ctx->native_handle();
  if (s.security_level >= 0) SSL_CTX_set_security_level(n, s.security_level);
  if (s.min_version) SSL_CTX_set_min_proto_version(n, s.min_version);
  if (s.max_version) SSL_CTX_set_max_proto_version(n, s.max_version);
  if (!s.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(n, s.tls12_ciphers.c_str());
  if (!s.ca.empty()) {
    ctx->load_verify_file(s.ca);
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  if (!s.certificate.empty()) {
    ctx->use_certificate_chain_file(s.certificate);
    ctx->use_private_key_file(s.key, ssl::context::pem);
  }
  return ctx;
}

}  // namespace

ClientSetup client(const std::string& name) {
  ClientSetup s;
  s.ca = pki("ca/cnss.crt");
  const std::string base = name.find('/') == std::string::npos ? "clients/" + name : name;
  s.certificate = pki(base + ".crt");
  s.key = pki(base + ".key");
  return s;
}

std::vector<Exchange> https_requests(unsigned short port, const ClientSetup& setup,
                                     const std::vector<Call>& calls) {
  std::vector<Exchange> out;
  asio::io_context ioc;
  auto ctx = make_ctx(setup);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(ioc, *ctx);
  auto& tcp_layer = boost::beast::get_lowest_layer(stream);
  const auto timeout =
      setup.timeout.count() > 0 ? setup.timeout : std::chrono::milliseconds(60'000);
  auto run = [&]() -> asio::awaitable<void> {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    Exchange first;
    tcp_layer.expires_after(timeout);
    auto [cec] = co_await tcp_layer.async_connect(
        tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, tuple);
    if (cec) {
      first.error = "connect: " + cec.message();
      out.push_back(first);
      co_return;
    }
    tcp_layer.socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(stream.native_handle(), setup.server_name.c_str());
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, tuple);
    if (hec) {
      first.error = "handshake: " + hec.message();
      out.push_back(first);
      co_return;
    }
    boost::beast::flat_buffer buf;
    for (const auto& c : calls) {
      Exchange ex;
      ex.handshake_ok = true;
      http::request<http::string_body> req{http::string_to_verb(c.method), c.target, 11};
      req.set(http::field::host, "localhost");
      for (const auto& [k, v] : c.headers) req.set(k, v);
      req.body() = c.body;
      req.prepare_payload();
      tcp_layer.expires_after(timeout);
      auto [wec, wn] = co_await http::async_write(stream, req, tuple);
      // The answer to a HEAD has no content whatever its Content-Length (RFC 9110 §9.3.2):
      // content sent all the same is left in the buffer, and spoils the next answer.
      http::response_parser<http::string_body> parser;
      parser.skip(req.method() == http::verb::head);
      boost::system::error_code ec = wec;
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(stream, buf, parser, tuple);
      if (ec) {
        // With TLS 1.3 a client certificate refused by the server is only known on the first
        // read.
        ex.error = "exchange: " + ec.message();
        out.push_back(std::move(ex));
        co_return;
      }
      ex.response = parser.release();
      out.push_back(std::move(ex));
    }
    tcp_layer.expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(tuple);
  };
  asio::co_spawn(ioc, run(), asio::detached);
  ioc.run();
  return out;
}

Exchange https_request(unsigned short port, const ClientSetup& setup, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  auto all = https_requests(port, setup, {Call{method, target, body, headers}});
  return all.empty() ? Exchange{} : all.front();
}

Exchange slow_request(unsigned short port, const ClientSetup& setup, const std::string& raw,
                      std::size_t chunk, std::chrono::milliseconds pause,
                      std::chrono::milliseconds give_up_after) {
  Exchange ex;
  asio::io_context ioc;
  auto ctx = make_ctx(setup);
  ssl::stream<tcp::socket> stream(ioc, *ctx);
  boost::system::error_code ec;
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    ex.error = "handshake: " + ec.message();
    return ex;
  }
  ex.handshake_ok = true;
  const auto until = std::chrono::steady_clock::now() + give_up_after;
  for (std::size_t i = 0; i < raw.size() && std::chrono::steady_clock::now() < until; i += chunk) {
    asio::write(stream, asio::buffer(raw.data() + i, std::min(chunk, raw.size() - i)), ec);
    if (ec) {
      ex.error = "write: " + ec.message();
      return ex;
    }
    std::this_thread::sleep_for(pause);
  }
  boost::beast::flat_buffer buf;
  HttpResponse res;
  http::read(stream, buf, res, ec);
  if (ec) {
    ex.error = "read: " + ec.message();
    return ex;
  }
  ex.response = std::move(res);
  return ex;
}

}  // namespace testing_support
