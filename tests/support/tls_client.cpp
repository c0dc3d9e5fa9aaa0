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

struct TlsConnection::Impl {
  asio::io_context ioc;
  std::unique_ptr<ssl::context> ctx;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream;
  boost::beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  bool handshake_ok = false;
  std::string error;
  std::chrono::nanoseconds handshake_took{0};
  std::chrono::nanoseconds request_took{0};

  explicit Impl(const ClientSetup& setup)
      : ctx(make_ctx(setup)),
        stream(ioc, *ctx),
        timeout(setup.timeout.count() > 0 ? setup.timeout : std::chrono::milliseconds(60'000)) {}

  // Runs one coroutine of this connection to its end.
  void run(asio::awaitable<void> op) {
    ioc.restart();
    asio::co_spawn(ioc, std::move(op), asio::detached);
    ioc.run();
  }

  asio::awaitable<void> open(unsigned short port, std::string server_name) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    auto& tcp_layer = boost::beast::get_lowest_layer(stream);
    const auto t0 = std::chrono::steady_clock::now();
    tcp_layer.expires_after(timeout);
    auto [cec] = co_await tcp_layer.async_connect(
        tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, tuple);
    if (cec) {
      error = "connect: " + cec.message();
      co_return;
    }
    tcp_layer.socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(stream.native_handle(), server_name.c_str());
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, tuple);
    if (hec) {
      error = "handshake: " + hec.message();
      co_return;
    }
    handshake_took = std::chrono::steady_clock::now() - t0;
    handshake_ok = true;
  }

  asio::awaitable<void> exchange(const Call& c, Exchange& ex) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    http::request<http::string_body> req{http::string_to_verb(c.method), c.target, 11};
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : c.headers) req.set(k, v);
    req.body() = c.body;
    req.prepare_payload();
    const auto t0 = std::chrono::steady_clock::now();
    boost::beast::get_lowest_layer(stream).expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(stream, req, tuple);
    // The answer to a HEAD has no content whatever its Content-Length (RFC 9110 §9.3.2):
    // content sent all the same is left in the buffer, and spoils the next answer.
    http::response_parser<http::string_body> parser;
    parser.skip(req.method() == http::verb::head);
    parser.body_limit(std::uint64_t{1} << 30);  // a job's results streamed whole run to many MB
    boost::system::error_code ec = wec;
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, tuple);
    request_took = std::chrono::steady_clock::now() - t0;
    if (ec) {
      // With TLS 1.3 a client certificate refused by the server is only known on the first read.
      ex.error = "exchange: " + ec.message();
      co_return;
    }
    ex.response = parser.release();
  }

  asio::awaitable<void> shutdown() {
    boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  }
};

TlsConnection::TlsConnection(unsigned short port, const ClientSetup& setup)
    : impl_(std::make_unique<Impl>(setup)) {
  impl_->run(impl_->open(port, setup.server_name));
}

TlsConnection::~TlsConnection() {
  if (impl_->handshake_ok) impl_->run(impl_->shutdown());
}

bool TlsConnection::handshake_ok() const {
  return impl_->handshake_ok;
}

const std::string& TlsConnection::error() const {
  return impl_->error;
}

std::chrono::nanoseconds TlsConnection::handshake_took() const {
  return impl_->handshake_took;
}

std::chrono::nanoseconds TlsConnection::request_took() const {
  return impl_->request_took;
}

Exchange TlsConnection::request(const Call& call) {
  Exchange ex;
  ex.handshake_ok = impl_->handshake_ok;
  if (!ex.handshake_ok) {
    ex.error = impl_->error;
    return ex;
  }
  impl_->run(impl_->exchange(call, ex));
  return ex;
}

std::vector<Exchange> https_requests(unsigned short port, const ClientSetup& setup,
                                     const std::vector<Call>& calls) {
  std::vector<Exchange> out;
  TlsConnection connection(port, setup);
  if (!connection.handshake_ok()) {
    Exchange failed;
    failed.error = connection.error();
    out.push_back(failed);
    return out;
  }
  for (const auto& c : calls) {
    out.push_back(connection.request(c));
    if (!out.back().response) break;
  }
  return out;
}

Exchange https_request(unsigned short port, const ClientSetup& setup, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  auto all = https_requests(port, setup, {Call{method, target, body, headers}});
  return all.empty() ? Exchange{} : all.front();
}

namespace {
// A TCP connection to the loopback port, then the client's side of the TLS handshake.
bool connect_and_handshake(ssl::stream<tcp::socket>& stream, unsigned short port,
                           boost::system::error_code& ec) {
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  return !ec;
}
}  // namespace

Exchange slow_request(unsigned short port, const ClientSetup& setup, const std::string& raw,
                      std::size_t chunk, std::chrono::milliseconds pause,
                      std::chrono::milliseconds give_up_after) {
  Exchange ex;
  asio::io_context ioc;
  auto ctx = make_ctx(setup);
  ssl::stream<tcp::socket> stream(ioc, *ctx);
  boost::system::error_code ec;
  if (!connect_and_handshake(stream, port, ec)) {
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

std::vector<Exchange> pipelined_requests(unsigned short port, const ClientSetup& setup,
                                         const std::string& raw, std::size_t answers) {
  std::vector<Exchange> out;
  asio::io_context ioc;
  auto ctx = make_ctx(setup);
  ssl::stream<tcp::socket> stream(ioc, *ctx);
  boost::system::error_code ec;
  if (connect_and_handshake(stream, port, ec)) asio::write(stream, asio::buffer(raw), ec);
  boost::beast::flat_buffer buf;
  while (!ec && out.size() < answers) {
    HttpResponse res;
    http::read(stream, buf, res, ec);
    Exchange& ex = out.emplace_back();
    ex.handshake_ok = true;
    if (ec)
      ex.error = "read: " + ec.message();
    else
      ex.response = std::move(res);
  }
  return out;
}

}  // namespace testing_support
