// The outbound connection pool against real mutual-TLS servers on loopback: keep-alive, session
// resumption, and a distinct error for each way a call can fail.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <thread>

#include "hub/http/client.hpp"
#include "hub/http/content_coding.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/text/charset.hpp"
#include "support/pki.hpp"

namespace ts = testing_support;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using hub::http::Request;
using hub::http::RequestContext;
using hub::http::Response;

namespace {

// A hub-like server: CNSS server certificate, clients from the DGSN CA (as a partner would).
class TestServer {
 public:
  TestServer() {
    router_.add(bhttp::verb::get, "/ok", "",
                [](const Request& r, RequestContext&) -> asio::awaitable<Response> {
                  co_return hub::http::text_response(200, "hello", "text/plain", r.version());
                });
    router_.add(bhttp::verb::get, "/slow", "",
                [](const Request& r, RequestContext&) -> asio::awaitable<Response> {
                  asio::steady_timer t(co_await asio::this_coro::executor, 2s);
                  co_await t.async_wait(asio::use_awaitable);
                  co_return hub::http::text_response(200, "late", "text/plain", r.version());
                });
    router_.add(bhttp::verb::get, "/big", "",
                [](const Request& r, RequestContext&) -> asio::awaitable<Response> {
                  co_return hub::http::text_response(200, std::string(100'000, 'x'), "text/plain",
                                                     r.version());
                });
    auto ctx = hub::tls::make_server_context({ts::pki("sim/dgsn.crt"),
                                              ts::pki("sim/dgsn.key"),
                                              {ts::pki("ca/dgsn.crt")},
                                              {ts::pki("ca/dgsn.crl")}});
    hub::http::ListenerOptions o;
    o.name = "test";
    o.tls = *ctx;
    o.access_log = false;
    o.authenticate = [this](const hub::tls::PeerIdentity&) { return &principal_; };
    o.handler = router_.handler();
    port_ = *server_.listen(std::move(o));
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return port_; }

 private:
  asio::io_context ioc_;
  hub::http::Metrics metrics_;
  hub::http::Server server_{ioc_, {}, metrics_};
  hub::http::Router router_;
  hub::http::Principal principal_{"test", {}};
  unsigned short port_ = 0;
  std::thread thread_;
};

// A TLS server that answers each request on one connection with the given raw HTTP message,
// and keeps the request it read.
class CannedServer {
 public:
  explicit CannedServer(std::string answer)
      : answer_(std::move(answer)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file(ts::pki("sim/dgsn.crt"));
    ctx_.use_private_key_file(ts::pki("sim/dgsn.key"), asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      asio::ssl::stream<asio::ip::tcp::socket> s(ioc_, ctx_);
      boost::system::error_code ec;
      acceptor_.accept(s.next_layer(), ec);
      if (ec) return;
      s.handshake(asio::ssl::stream_base::server, ec);
      if (ec) return;
      std::string got;
      char buf[4096];
      while (got.find("\r\n\r\n") == std::string::npos && !ec)
        got.append(buf, s.read_some(asio::buffer(buf), ec));
      request_ = got;
      asio::write(s, asio::buffer(answer_), ec);
      s.shutdown(ec);
    });
  }
  ~CannedServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  // Read once the call returned.
  const std::string& request() const { return request_; }

 private:
  std::string answer_;
  std::string request_;
  asio::io_context ioc_;
  asio::ssl::context ctx_{asio::ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
};

struct PoolSetup {
  std::string ca = "ca/dgsn.crt";
  std::string client = "hub/client-dgsn";
  std::string server_name = "localhost";
  std::size_t max_connections = 4;
  std::size_t max_response_bytes = 1'000'000;
  double rate = 0;
  double burst = 0;
};

std::shared_ptr<hub::http::ClientPool> make_pool(const std::string& url, PoolSetup s = {}) {
  auto ctx = hub::tls::make_client_context(
      {ts::pki(s.ca), ts::pki(s.client + ".crt"), ts::pki(s.client + ".key")});
  EXPECT_TRUE(ctx);
  hub::http::ClientOptions o;
  o.name = "dgsn";
  o.base_url = url;
  o.server_name = s.server_name;
  o.tls = *ctx;
  o.max_connections = s.max_connections;
  o.connect_timeout = 1s;
  o.request_timeout = 5s;
  o.max_response_bytes = s.max_response_bytes;
  o.rate_per_second = s.rate;
  o.rate_burst = s.burst;
  return *hub::http::ClientPool::create(o, nullptr);
}

// Connections kept alive belong to the executor that opened them: one io_context serves every
// call of a test, as one serves the whole hub.
asio::io_context& client_io() {
  static asio::io_context ioc;
  return ioc;
}

hub::Result<Response> call(const std::shared_ptr<hub::http::ClientPool>& pool,
                           const std::string& target, std::chrono::milliseconds budget = 3000ms) {
  asio::io_context& ioc = client_io();
  ioc.restart();
  Request req{bhttp::verb::get, target, 11};
  auto fut =
      asio::co_spawn(ioc, pool->request(std::move(req), std::chrono::steady_clock::now() + budget),
                     asio::use_future);
  ioc.run();
  return fut.get();
}

std::string url(unsigned short port) {
  return "https://127.0.0.1:" + std::to_string(port);
}

TEST(ClientPool, KeepsConnectionsAlive) {
  TestServer server;
  auto pool = make_pool(url(server.port()));
  for (int i = 0; i < 3; ++i) {
    auto r = call(pool, "/ok");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body(), "hello");
  }
  EXPECT_EQ(pool->stats().connections_opened, 1u);
  EXPECT_EQ(pool->stats().reused_connections, 2u);
}

TEST(ClientPool, ResumesTlsSessions) {
  TestServer server;
  auto pool = make_pool(url(server.port()));
  ASSERT_TRUE(call(pool, "/ok"));
  pool->close_idle();
  ASSERT_TRUE(call(pool, "/ok"));
  EXPECT_EQ(pool->stats().connections_opened, 2u);
  EXPECT_EQ(pool->stats().full_handshakes, 1u);
  EXPECT_EQ(pool->stats().resumed_handshakes, 1u);
}

void expect_error(const hub::Result<Response>& r, hub::Errc code, const std::string& detail) {
  ASSERT_FALSE(r) << "expected " << detail << ", got HTTP " << r->result_int();
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_EQ(r.error().detail, detail) << r.error().message;
}

TEST(ClientPool, ConnectionRefused) {
  unsigned short port;
  {
    asio::io_context ioc;
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  expect_error(call(make_pool(url(port)), "/ok"), hub::Errc::partner_unavailable,
               "connect_refused");
}

TEST(ClientPool, ResolveFailure) {
  expect_error(call(make_pool("https://no-such-host.invalid:7001"), "/ok"),
               hub::Errc::partner_unavailable, "resolve_failed");
}

TEST(ClientPool, UntrustedServerCertificate) {
  TestServer server;
  PoolSetup s;
  s.ca = "ca/dgct.crt";  // the server's certificate is from the DGSN CA
  expect_error(call(make_pool(url(server.port()), s), "/ok"), hub::Errc::tls_failure,
               "certificate_verify_failed");
}

TEST(ClientPool, WrongServerName) {
  TestServer server;
  PoolSetup s;
  s.server_name = "dgsn.example";  // the certificate names localhost and 127.0.0.1 only
  expect_error(call(make_pool(url(server.port()), s), "/ok"), hub::Errc::tls_failure,
               "certificate_verify_failed");
}

TEST(ClientPool, OurCertificateRefusedByThePartner) {
  TestServer server;
  PoolSetup s;
  s.client = "hub/client-dgct";  // issued by the DGCT CA: the server does not trust it
  expect_error(call(make_pool(url(server.port()), s), "/ok"), hub::Errc::tls_failure,
               "tls_handshake_failed");
}

TEST(ClientPool, Timeout) {
  TestServer server;
  const auto t0 = std::chrono::steady_clock::now();
  expect_error(call(make_pool(url(server.port())), "/slow", 300ms), hub::Errc::timeout,
               "request_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
}

TEST(ClientPool, OversizedResponse) {
  TestServer server;
  PoolSetup s;
  s.max_response_bytes = 10'000;
  expect_error(call(make_pool(url(server.port()), s), "/big"), hub::Errc::malformed_response,
               "response_too_large");
}

TEST(ClientPool, TruncatedResponse) {
  // Fewer body bytes than announced, then the connection closes.
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part");
  expect_error(call(make_pool(url(server.port())), "/ok"), hub::Errc::malformed_response,
               "response_truncated");
}

TEST(ClientPool, WaitsForAFreeConnectionWithinItsDeadline) {
  TestServer server;
  PoolSetup s;
  s.max_connections = 1;
  asio::io_context ioc;  // before the pool: its idle connection belongs to this context
  auto pool = make_pool(url(server.port()), s);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  auto a = asio::co_spawn(ioc, pool->request(Request{bhttp::verb::get, "/slow", 11}, deadline),
                          asio::use_future);
  auto b = asio::co_spawn(ioc, pool->request(Request{bhttp::verb::get, "/ok", 11}, deadline),
                          asio::use_future);
  auto c = asio::co_spawn(
      ioc,
      pool->request(Request{bhttp::verb::get, "/ok", 11}, std::chrono::steady_clock::now() + 200ms),
      asio::use_future);
  ioc.run();
  EXPECT_TRUE(a.get());
  EXPECT_TRUE(b.get());
  expect_error(c.get(), hub::Errc::timeout, "pool_timeout");
  EXPECT_EQ(pool->stats().connections_opened, 1u);
}

TEST(ClientPool, KeepsThePartnersPace) {
  TestServer server;
  PoolSetup s;
  s.rate = 1;  // one request a second, no burst beyond one
  s.burst = 1;
  auto pool = make_pool(url(server.port()), s);
  ASSERT_TRUE(call(pool, "/ok", 300ms));
  // The next slot is a second away: a request that must end within 300 ms is not sent.
  expect_error(call(pool, "/ok", 300ms), hub::Errc::rate_limited, "local_quota");
  EXPECT_EQ(pool->stats().connections_opened, 1u);
}

std::string answer_with(const std::string& fields, const std::string& body) {
  return "HTTP/1.1 200 OK\r\n" + fields + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::string chunked(const std::string& body) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

const std::string kJson = R"({"nom":"EL OUAZZANI","prenom":"Fatima Zahra"})";

TEST(ClientCoding, AsksTruthfullyAndReadsGzip) {
  CannedServer server(answer_with("Content-Type: application/json\r\nContent-Encoding: gzip\r\n",
                                  hub::http::gzip(kJson)));
  auto r = call(make_pool(url(server.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), kJson);
  EXPECT_EQ((*r)[bhttp::field::content_encoding], "");
  EXPECT_EQ((*r)[bhttp::field::content_length], std::to_string(kJson.size()));
  EXPECT_NE(server.request().find("Accept-Encoding: gzip, deflate, identity\r\n"),
            std::string::npos)
      << server.request();
}

TEST(ClientCoding, CodingsInAnyCaseAndListForm) {
  for (const auto& [field, body] : std::vector<std::pair<std::string, std::string>>{
           {"Content-Encoding: GZIP\r\n", hub::http::gzip(kJson)},
           {"Content-Encoding: x-gzip\r\n", hub::http::gzip(kJson)},
           {"Content-Encoding: deflate\r\n", hub::http::deflate(kJson)},
           {"Content-Encoding: Deflate\r\n", hub::http::deflate(kJson, true)},
           {"Content-Encoding: identity, gzip\r\n", hub::http::gzip(kJson)},
           {"Content-Encoding: deflate\r\nContent-Encoding: gzip\r\n",
            hub::http::gzip(hub::http::deflate(kJson))}}) {
    CannedServer server(answer_with(field, body));
    auto r = call(make_pool(url(server.port())), "/ok");
    ASSERT_TRUE(r) << field << r.error().message;
    EXPECT_EQ(r->body(), kJson) << field;
  }
}

TEST(ClientCoding, ChunkedAndTransferCodings) {
  CannedServer chunks(
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n" +
      chunked(hub::http::gzip(kJson)));
  auto r = call(make_pool(url(chunks.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), kJson);
  CannedServer transfer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n" +
      chunked(hub::http::gzip(kJson)));
  r = call(make_pool(url(transfer.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), kJson);
  // The content coding first, the transfer coding on top: undone in the other order.
  CannedServer both(
      "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: gzip, chunked\r\n"
      "Connection: close\r\n\r\n" +
      chunked(hub::http::gzip(hub::http::deflate(kJson))));
  r = call(make_pool(url(both.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), kJson);
}

TEST(ClientCoding, AmbiguousLengthsAreRefused) {
  // RFC 9112 section 6.3: Content-Length with chunked, or Content-Lengths that differ.
  CannedServer both("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    chunked("hello"));
  expect_error(call(make_pool(url(both.port())), "/ok"), hub::Errc::malformed_response, "bad_http");
  CannedServer two("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  expect_error(call(make_pool(url(two.port())), "/ok"), hub::Errc::malformed_response, "bad_http");
  CannedServer same("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nConnection: close\r\n\r\nhello");
  auto r = call(make_pool(url(same.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), "hello");
}

TEST(ClientCoding, UnknownOrBrokenCodingsAreTyped) {
  CannedServer br(answer_with("Content-Encoding: br\r\n", "\x1b\x03"));
  expect_error(call(make_pool(url(br.port())), "/ok"), hub::Errc::malformed_response,
               "unsupported_content_encoding");
  std::string cut = hub::http::gzip(kJson);
  cut.resize(cut.size() - 6);
  CannedServer broken(answer_with("Content-Encoding: gzip\r\n", cut));
  expect_error(call(make_pool(url(broken.port())), "/ok"), hub::Errc::malformed_response,
               "bad_content_encoding");
}

TEST(ClientCoding, TheLimitIsCountedOnceDecoded) {
  PoolSetup s;
  s.max_response_bytes = 1'000'000;
  // 64 KiB on the wire, 64 MiB once decoded.
  CannedServer bomb(answer_with("Content-Encoding: gzip\r\n", hub::http::gzip_zeros(64u << 20)));
  expect_error(call(make_pool(url(bomb.port()), s), "/ok"), hub::Errc::malformed_response,
               "response_too_large");
  // Just within the limit once decoded: read.
  CannedServer fits(answer_with("Content-Encoding: gzip\r\n", hub::http::gzip_zeros(1'000'000)));
  auto r = call(make_pool(url(fits.port()), s), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body().size(), 1'000'000u);
}

TEST(ClientCoding, DeclaredCharsetsAreReadIntoUtf8) {
  // "Fès" in ISO-8859-1, and "محمد" in windows-1256, as legacy systems send them.
  CannedServer latin(
      answer_with("Content-Type: text/xml; Charset=\"ISO-8859-1\"\r\n", "<Ville>F\xe8s</Ville>"));
  auto r = call(make_pool(url(latin.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), "<Ville>F\xc3\xa8s</Ville>");
  CannedServer arabic(answer_with("Content-Type: application/json;charset=windows-1256\r\n",
                                  "\"\xe3\xcd\xe3\xcf\""));
  r = call(make_pool(url(arabic.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), "\"\xd9\x85\xd8\xad\xd9\x85\xd8\xaf\"");
  CannedServer utf8(answer_with("Content-Type: application/json; charset=UTF-8\r\n", kJson));
  r = call(make_pool(url(utf8.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), kJson);
  CannedServer unknown(answer_with("Content-Type: text/xml; charset=x-no-such\r\n", "<a/>"));
  expect_error(call(make_pool(url(unknown.port())), "/ok"), hub::Errc::malformed_response,
               "unsupported_charset");
}

// XML with no charset parameter is in the encoding its declaration names (RFC 7303 section
// 3.2); a charset parameter, when present, governs over the declaration.
TEST(ClientCoding, AnXmlDeclarationsEncodingIsReadWhenContentTypeNamesNone) {
  const std::string latin = "<?xml version='1.0' encoding = \"ISO-8859-1\"?><Ville>F\xe8s</Ville>";
  CannedServer declared(answer_with("Content-Type: application/xml\r\n", latin));
  auto r = call(make_pool(url(declared.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), "<?xml version='1.0' encoding = \"ISO-8859-1\"?><Ville>F\xc3\xa8s</Ville>");
  const std::string utf8 =
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><V>F\xc3\xa8s</V>";
  CannedServer governed(answer_with("Content-Type: text/xml; charset=utf-8\r\n", utf8));
  r = call(make_pool(url(governed.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), utf8) << "the charset parameter governs";
  CannedServer none(answer_with("Content-Type: text/xml\r\n", "<?xml version=\"1.0\"?><V/>"));
  r = call(make_pool(url(none.port())), "/ok");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body(), "<?xml version=\"1.0\"?><V/>");
  EXPECT_EQ(hub::text::xml_declared_encoding("\xEF\xBB\xBF<?xml encoding='windows-1256'?><a/>"),
            "windows-1256");
  EXPECT_EQ(hub::text::xml_declared_encoding("<a encoding=\"x\"/>"), "");
  EXPECT_EQ(hub::text::xml_declared_encoding("<?xml encoding=\"x"), "");
}

}  // namespace
