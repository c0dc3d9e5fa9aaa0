#include "hub/http/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/range/iterator_range.hpp>
#include <boost/url/parse.hpp>

#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "hub/http/content_coding.hpp"
#include "hub/http/fields.hpp"
#include "hub/text/charset.hpp"
#include "hub/tls/context.hpp"

namespace hub::http {
namespace {
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Connection {
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool session_saved = false;
  Connection(asio::any_io_executor ex, asio::ssl::context& ctx) : stream(ex, ctx) {}
};

bool is_timeout(const boost::system::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

// The codings applied to the answer, in the order they were applied: its content codings, then
// the transfer codings other than chunked, which the parser undoes (RFC 9110 section 8.4, RFC
// 9112 section 6.1). Empty for an answer sent as it is.
std::string codings_of(const Response& res) {
  std::string codings;
  // A field sent several times is one list (RFC 9110 section 5.3).
  for (const auto field : {bhttp::field::content_encoding, bhttp::field::transfer_encoding}) {
    for (const auto& f : boost::make_iterator_range(res.equal_range(field))) {
      for (const auto& c : list_members(f.value())) {
        if (c == "chunked") continue;  // the parser undid it
        codings += (codings.empty() ? "" : ", ") + c;
      }
    }
  }
  return codings;
}

// The largest coded body that can decode to `limit` bytes or fewer: deflate's worst case for
// incompressible data (zlib's compressBound) and a gzip header with room for a file name.
std::size_t coded_limit(std::size_t limit) {
  return limit + (limit >> 12) + (limit >> 14) + (limit >> 25) + 1024;
}

// The answer as the mapping engine reads it: its codings undone within the size limit, and its
// text in UTF-8 when Content-Type declares another charset (RFC 9110 section 8.3.1; a
// Content-Type that does not parse says nothing about the charset), or, for XML with no charset
// parameter, when its declaration names another encoding (RFC 7303 section 3.2).
Result<void> decode_answer(Response& res, std::size_t limit) {
  if (const std::string codings = codings_of(res); !codings.empty()) {
    auto decoded = decode_content(std::move(res.body()), codings, limit);
    if (!decoded) return decoded.error();
    res.body() = std::move(*decoded);
    res.erase(bhttp::field::content_encoding);
    res.erase(bhttp::field::transfer_encoding);
    res.content_length(res.body().size());
  }
  const auto type = media_type(res[bhttp::field::content_type]);
  std::string charset = type ? type->charset : "";
  if (type && charset.empty() && type->type.ends_with("xml"))
    charset = text::xml_declared_encoding(res.body());  // RFC 7303 section 3.2
  if (type && !text::is_utf8_charset(charset)) {
    auto utf8 = text::to_utf8(res.body(), charset);
    if (!utf8) return utf8.error();
    if (utf8->size() > limit)
      return make_error(
          Errc::malformed_response,
          "the answer is over the limit of " + std::to_string(limit) + " bytes once in UTF-8",
          "response_too_large");
    res.body() = std::move(*utf8);
    res.content_length(res.body().size());
  }
  return {};
}

}  // namespace

struct ClientPool::Impl {
  ClientOptions options;
  Metrics* metrics = nullptr;
  std::string host;
  std::string port;
  std::string host_header;

  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t in_use = 0;  // connections checked out or being opened
  // Calls waiting for a connection: the interactive ones are given one before any bulk one.
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
  std::deque<std::shared_ptr<asio::steady_timer>> bulk_waiters;
  std::shared_ptr<SSL_SESSION> session;
  Stats stats;
  Error fail(Errc code, std::string detail, const std::string& what) const {
    return make_error(code, options.name + ": " + what, std::move(detail));
  }

  void release(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mutex);
    --in_use;
    if (conn) idle.push_back(std::move(conn));
    auto& queue = waiters.empty() ? bulk_waiters : waiters;
    if (!queue.empty()) {
      auto t = queue.front();
      queue.pop_front();
      asio::post(t->get_executor(), [t] { t->cancel(); });
    }
  }

  // Either an idle connection, or the right to open one (nullptr with a value), or a timeout.
  asio::awaitable<Result<std::unique_ptr<Connection>>> acquire(Clock::time_point deadline,
                                                               Priority priority) {
    auto& queue = priority == Priority::bulk ? bulk_waiters : waiters;
    auto ex = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(ex);
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (!idle.empty()) {
          auto c = std::move(idle.back());
          idle.pop_back();
          ++in_use;
          ++stats.reused_connections;
          co_return c;
        }
        if (in_use < options.max_connections) {
          ++in_use;
          co_return std::unique_ptr<Connection>{};
        }
        if (Clock::now() >= deadline) {
          co_return fail(Errc::timeout, "pool_timeout",
                         "all " + std::to_string(options.max_connections) +
                             " connections stayed busy until the deadline");
        }
        timer->expires_at(deadline);
        queue.push_back(timer);
      }
      co_await timer->async_wait(use_tuple);
      std::lock_guard lock(mutex);
      std::erase(queue, timer);
    }
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> connect(Clock::time_point deadline) {
    auto ex = co_await asio::this_coro::executor;
    auto conn = std::make_unique<Connection>(ex, *options.tls);
    auto& lowest = beast::get_lowest_layer(conn->stream);

    tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(host, port, use_tuple);
    if (rec) {
      co_return fail(Errc::partner_unavailable, "resolve_failed",
                     "cannot resolve " + host + ": " + rec.message());
    }
    lowest.expires_at(std::min(deadline, Clock::now() + options.connect_timeout));
    auto [cec, ep] = co_await lowest.async_connect(results, use_tuple);
    if (cec) {
      if (is_timeout(cec)) {
        co_return fail(Errc::timeout, "connect_timeout",
                       "no connection to " + host + ":" + port + " within the connect timeout");
      }
      if (cec == asio::error::connection_refused) {
        co_return fail(Errc::partner_unavailable, "connect_refused",
                       "connection refused by " + host + ":" + port);
      }
      co_return fail(Errc::partner_unavailable, "connect_failed",
                     "cannot connect to " + host + ":" + port + ": " + cec.message());
    }
    // Requests are small: without TCP_NODELAY one can wait behind an unacknowledged segment
    // (the TLS Finished) for the partner's delayed ACK. Best effort: a failure costs latency only.
    boost::system::error_code nodelay_ec;
    lowest.socket().set_option(tcp::no_delay(true), nodelay_ec);

    SSL* ssl = conn->stream.native_handle();
    if (auto r = tls::set_peer_name(ssl, options.server_name); !r) co_return r.error();
    {
      std::lock_guard lock(mutex);
      if (session) SSL_set_session(ssl, session.get());
      ++stats.connections_opened;
    }
    auto [hec] = co_await conn->stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (hec) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        co_return fail(Errc::tls_failure, "certificate_verify_failed",
                       std::string("the partner's certificate was refused: ") +
                           X509_verify_cert_error_string(verify));
      }
      if (is_timeout(hec)) {
        co_return fail(Errc::timeout, "connect_timeout", "TLS handshake did not finish in time");
      }
      co_return fail(Errc::tls_failure, "tls_handshake_failed",
                     "TLS handshake failed: " + hec.message());
    }
    const bool resumed = SSL_session_reused(ssl) == 1;
    {
      std::lock_guard lock(mutex);
      ++(resumed ? stats.resumed_handshakes : stats.full_handshakes);
    }
    if (metrics) metrics->partner_handshake(options.name, resumed);
    co_return conn;
  }

  void save_session(Connection& c) {
    if (c.session_saved) return;
    c.session_saved = true;
    SSL_SESSION* s = SSL_get1_session(c.stream.native_handle());
    if (s == nullptr) return;
    if (SSL_SESSION_is_resumable(s) != 1) {
      SSL_SESSION_free(s);
      return;
    }
    // Keep a copy: OpenSSL marks a session not resumable when its connection is freed without a
    // TLS shutdown (as a dropped or closed idle connection is), and that must not spoil ours.
    SSL_SESSION* copy = SSL_SESSION_dup(s);
    SSL_SESSION_free(s);
    if (copy == nullptr) return;
    std::lock_guard lock(mutex);
    session.reset(copy, &SSL_SESSION_free);
  }
};

Result<std::shared_ptr<ClientPool>> ClientPool::create(ClientOptions options, Metrics* metrics) {
  auto impl = std::make_unique<Impl>();
  auto url = boost::urls::parse_absolute_uri(options.base_url);
  if (!url || url->scheme() != "https" || url->host().empty()) {
    return make_error(Errc::internal,
                      options.name + ": base_url '" + options.base_url + "' is not an https:// URL",
                      "bad_url");
  }
  impl->host = std::string(url->host_address());
  impl->port = url->has_port() ? std::string(url->port()) : "443";
  impl->host_header = std::string(url->encoded_host_and_port());
  if (options.server_name.empty()) options.server_name = impl->host;
  if (!options.tls) return make_error(Errc::internal, options.name + ": no TLS context", "no_tls");
  impl->options = std::move(options);
  impl->metrics = metrics;
  if (!impl->options.pacer && impl->options.rate_per_second > 0) {
    impl->options.pacer = make_token_bucket(impl->options.rate_per_second, impl->options.rate_burst,
                                            impl->options.rate_reserve);
  }
  return std::shared_ptr<ClientPool>(new ClientPool(std::move(impl)));
}

ClientPool::ClientPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientPool::~ClientPool() = default;

const ClientOptions& ClientPool::options() const {
  return impl_->options;
}

ClientPool::Stats ClientPool::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void ClientPool::close_idle() {
  std::lock_guard lock(impl_->mutex);
  impl_->idle.clear();
}

asio::awaitable<Result<Response>> ClientPool::request(Request req, Clock::time_point deadline,
                                                      Priority priority) {
  auto self = shared_from_this();  // the pool outlives every call in flight
  Impl& p = *impl_;
  const auto started = Clock::now();
  deadline = std::min(deadline, started + p.options.request_timeout);
  req.set(bhttp::field::host, p.host_header);
  // Truthful: exactly the codings decode_content() reads.
  if (req[bhttp::field::accept_encoding].empty())
    req.set(bhttp::field::accept_encoding, kAcceptEncoding);
  req.keep_alive(true);
  req.prepare_payload();

  auto finish = [&](Result<Response> r) {
    if (p.metrics) {
      const std::string outcome =
          r ? "http_" + std::to_string(r->result_int()) : std::string(r.error().wire_code());
      p.metrics->partner_call(p.options.name, outcome, Clock::now() - started);
    }
    return r;
  };

  auto paced = [&]() -> asio::awaitable<Result<void>> {
    if (p.options.pacer && !co_await p.options.pacer->wait_turn(deadline, priority)) {
      co_return p.fail(Errc::rate_limited, "local_quota",
                       "the configured pace towards the partner leaves no slot before the "
                       "deadline");
    }
    co_return Result<void>();
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    // A bulk call takes its turn before a connection (it may wait long: interactive calls first).
    if (priority == Priority::bulk) {
      if (auto turn = co_await paced(); !turn) co_return finish(turn.error());
    }
    auto acquired = co_await p.acquire(deadline, priority);
    if (!acquired) co_return finish(acquired.error());
    std::unique_ptr<Connection> conn = std::move(*acquired);
    const bool reused = conn != nullptr;
    if (!conn) {
      auto opened = co_await p.connect(deadline);
      if (!opened) {
        p.release(nullptr);
        co_return finish(opened.error());
      }
      conn = std::move(*opened);
    }
    auto& lowest = beast::get_lowest_layer(conn->stream);
    if (priority == Priority::interactive) {
      if (auto turn = co_await paced(); !turn) {
        p.release(std::move(conn));
        co_return finish(turn.error());
      }
    }
    lowest.expires_at(deadline);
    auto [wec, written] = co_await bhttp::async_write(conn->stream, req, use_tuple);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(p.options.max_response_bytes);
    parser.header_limit(64 * 1024);
    boost::system::error_code rec = wec;
    if (!wec) {
      auto [hec, hn] =
          co_await bhttp::async_read_header(conn->stream, conn->buffer, parser, use_tuple);
      rec = hec;
      // A coded body is limited once decoded (decode_answer); on the wire, to what could decode
      // within the limit.
      if (!hec && !codings_of(parser.get()).empty())
        parser.body_limit(coded_limit(p.options.max_response_bytes));
      if (!hec && !parser.is_done()) {
        auto [ec2, n] = co_await bhttp::async_read(conn->stream, conn->buffer, parser, use_tuple);
        rec = ec2;
      }
    }
    if (rec) {
      p.release(nullptr);
      // A kept-alive connection the partner closed in the meantime: try once on a new one.
      if (reused && attempt == 0 && !parser.got_some() && !is_timeout(rec)) continue;
      if (is_timeout(rec)) {
        co_return finish(
            p.fail(Errc::timeout, "request_timeout", "no complete answer before the deadline"));
      }
      if (rec == bhttp::error::body_limit) {
        co_return finish(p.fail(Errc::malformed_response, "response_too_large",
                                "the answer is over the limit of " +
                                    std::to_string(p.options.max_response_bytes) + " bytes"));
      }
      if (rec == bhttp::error::partial_message || rec == asio::error::eof ||
          rec == asio::ssl::error::stream_truncated || rec == asio::error::connection_reset) {
        co_return finish(p.fail(Errc::malformed_response, "response_truncated",
                                "the connection closed before the whole answer arrived"));
      }
      if (rec.category() == asio::error::get_ssl_category()) {
        // With TLS 1.3 the partner refuses our certificate after the handshake: its alert
        // arrives with the first read.
        co_return finish(p.fail(Errc::tls_failure, "tls_handshake_failed",
                                "the partner ended the TLS session: " + rec.message()));
      }
      if (rec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
        co_return finish(p.fail(Errc::malformed_response, "bad_http",
                                "unreadable HTTP answer: " + rec.message()));
      }
      co_return finish(p.fail(Errc::partner_unavailable, "io_error", rec.message()));
    }
    Response res = parser.release();
    p.save_session(*conn);
    p.release(res.keep_alive() ? std::move(conn) : nullptr);
    const std::string codings = codings_of(res);
    if (auto decoded = decode_answer(res, p.options.max_response_bytes); !decoded) {
      Error e = decoded.error();
      e.message = p.options.name + ": " + e.message;
      co_return finish(std::move(e));
    }
    if (p.metrics && !codings.empty())
      p.metrics->increment("cnss_partner_decoded_answers_total",
                           "Partners' answers that came coded and were decoded, by partner and "
                           "codings",
                           {{"partner", p.options.name}, {"codings", codings}});
    co_return finish(std::move(res));
  }
  co_return finish(p.fail(Errc::partner_unavailable, "io_error", "connection lost twice"));
}

}  // namespace hub::http
