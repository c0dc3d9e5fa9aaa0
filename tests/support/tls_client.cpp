#include "support/tls_client.hpp"

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

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

Exchange https_request(unsigned short port, const ClientSetup& setup, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  Exchange ex;
  asio::io_context ioc;
  auto ctx = make_ctx(setup);
  ssl::stream<tcp::socket> stream(ioc, *ctx);
  boost::system::error_code ec;
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    ex.error = "connect: " + ec.message();
    return ex;
  }
  SSL_set_tlsext_host_name(stream.native_handle(), setup.server_name.c_str());
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    ex.error = "handshake: " + ec.message();
    return ex;
  }
  ex.handshake_ok = true;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "localhost");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  boost::beast::flat_buffer buf;
  HttpResponse res;
  if (!ec) http::read(stream, buf, res, ec);
  if (ec) {
    // With TLS 1.3 a client certificate refused by the server is only known on the first read.
    ex.error = "exchange: " + ec.message();
    return ex;
  }
  ex.response = std::move(res);
  stream.shutdown(ec);
  return ex;
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
