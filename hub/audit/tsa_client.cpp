#include "hub/audit/tsa_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace hub::audit {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

Result<Target> parse_url(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "http" || u->host().empty()) {
    return make_error(Errc::invalid_input,
                      "the TSA URL '" + url + "' is not http://host[:port]/path");
  }
  Target t{std::string(u->host()), u->has_port() ? std::string(u->port()) : "80",
           std::string(u->encoded_target())};
  if (t.path.empty()) t.path = "/";
  return t;
}

asio::awaitable<Result<std::string>> post(const Target& t, std::string_view query,
                                          const TsaOptions& o) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  beast::tcp_stream stream(ex);
  stream.expires_after(o.timeout);
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, t.path, 11};
  req.set(bhttp::field::host, t.host);
  req.set(bhttp::field::content_type, "application/timestamp-query");
  req.set(bhttp::field::accept, "application/timestamp-reply");
  req.body() = std::string(query);
  req.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(o.max_response_bytes);
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  auto endpoints = co_await resolver.async_resolve(t.host, t.port, token);
  if (!ec) co_await stream.async_connect(endpoints, token);
  if (ec) {
    co_return make_error(Errc::partner_unavailable,
                         "cannot reach the TSA at " + o.url + ": " + ec.message(),
                         "tsa_unreachable");
  }
  co_await bhttp::async_write(stream, req, token);
  if (!ec) co_await bhttp::async_read(stream, buffer, parser, token);
  if (ec == beast::error::timeout) {
    co_return make_error(Errc::timeout,
                         "the TSA at " + o.url + " did not answer within " +
                             std::to_string(o.timeout.count()) + " ms",
                         "tsa_timeout");
  }
  if (ec) {
    co_return make_error(Errc::malformed_response,
                         "the TSA at " + o.url + " gave no readable answer: " + ec.message(),
                         "tsa_bad_answer");
  }
  auto& res = parser.get();
  if (res.result() != bhttp::status::ok) {
    co_return make_error(Errc::partner_unavailable,
                         "the TSA at " + o.url + " answered " + std::to_string(res.result_int()),
                         "tsa_refused");
  }
  co_return std::move(res.body());
}

}  // namespace

Result<std::string> post_timestamp_query(const TsaOptions& options, std::string_view query) {
  auto target = parse_url(options.url);
  if (!target) return target.error();
  asio::io_context ioc;
  Result<std::string> out = make_error(Errc::timeout,
                                       "the TSA at " + options.url + " did not answer within " +
                                           std::to_string(options.timeout.count()) + " ms",
                                       "tsa_timeout");
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out = co_await post(*target, query, options); },
      asio::detached);
  // The stream's own expiry ends the exchange; this bounds the name resolution too.
  ioc.run_for(options.timeout + std::chrono::milliseconds(100));
  return out;
}

}  // namespace hub::audit
