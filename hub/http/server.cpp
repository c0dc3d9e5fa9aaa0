#include "hub/http/server.hpp"

#include "hub/http/content_coding.hpp"
#include "hub/http/request_content.hpp"

#include <openssl/x509_vfy.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <sstream>
#include <tuple>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/core/process.hpp"
#include "hub/tls/record.hpp"

namespace hub::http {
namespace {
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kCorrelationHeader = "X-Correlation-ID";

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

// The request's correlation id: the client's X-Correlation-ID when it can be logged as it is and
// holds nothing shaped like a personal identifier (hub/core/ids.hpp), else one of the hub's own.
// A replaced one is logged with its reason, never its value.
std::string correlation_id_of(const Request& req) {
  const auto given = req[kCorrelationHeader];
  if (given.empty()) return new_uuid();
  const char* why = !is_safe_correlation_id(given)     ? "characters_not_allowed"
                    : holds_personal_identifier(given) ? "personal_identifier"
                                                       : nullptr;
  if (why == nullptr) return std::string(given);
  std::string own = new_uuid();
  log::info("client correlation id replaced", {{"correlation_id", own}, {"reason", why}});
  return own;
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

// The answer to a request that could not be read whole (over a limit, or malformed).
Response unreadable_request(const boost::system::error_code& ec, const ServerLimits& limits,
                            const RequestContext& ctx) {
  if (ec == bhttp::error::body_limit) {
    return error_response(make_error(Errc::payload_too_large,
                                     "the request body is over the limit of " +
                                         std::to_string(limits.max_body_bytes) + " bytes",
                                     "body_too_large"),
                          ctx);
  }
  if (ec == bhttp::error::header_limit) {
    Response res = error_response(make_error(Errc::invalid_input,
                                             "the request headers are over the limit of " +
                                                 std::to_string(limits.max_header_bytes) + " bytes",
                                             "headers_too_large"),
                                  ctx);
    res.result(bhttp::status::request_header_fields_too_large);
    return res;
  }
  return error_response(
      make_error(Errc::invalid_input, "malformed HTTP request: " + ec.message(), "bad_request"),
      ctx);
}

// Parses what the buffer already holds (eagerly: header and body) and consumes it; returns the
// bytes used. A request that arrived whole, as most do in one read, is then done without an
// asynchronous read that would only complete at once through the scheduler. need_more is not an
// error here: the caller reads the rest.
std::size_t parse_buffered(bhttp::request_parser<bhttp::string_body>& parser,
                           beast::flat_buffer& buffer, boost::system::error_code& ec) {
  parser.eager(true);
  std::size_t used = 0;
  while (!parser.is_done() && buffer.size() > 0) {
    const std::size_t n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    used += n;
    if (ec == bhttp::error::need_more) ec = {};
    if (ec || n == 0) break;
  }
  return used;
}

// What a client has sent by the time its connection is accepted, looked at without reading it: a
// real client's whole ClientHello is usually there already, and its connection then starts in
// the phase evicted last.
ConnectionTable::Phase arrived(tcp::socket& socket) {
  using Phase = ConnectionTable::Phase;
  std::array<unsigned char, tls::kRecordHeaderBytes> header{};
  const auto n =
      ::recv(socket.native_handle(), header.data(), header.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) return Phase::idle;
  const auto received = static_cast<std::size_t>(n);
  const std::size_t whole = received + tls::first_record_missing({header.data(), received});
  int available = 0;
  if (::ioctl(socket.native_handle(), FIONREAD, &available) != 0) available = 0;
  return static_cast<std::size_t>(available) >= whole ? Phase::handshaking : Phase::partial_hello;
}

// Closes with a TCP reset: nothing was said on the connection, so nothing is lost, and the
// hub keeps no TIME_WAIT state for it.
void abort_socket(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// True when the request whose first bytes are in `buffer` may be for a streamed route: its
// request line starts (or, cut short, could start) as one of `starts`. Only such a request is
// read header first; any other is read whole as it always was.
bool may_be_streamed(const StreamedRoutes& routes, const beast::flat_buffer& buffer) {
  if (routes.starts.empty()) return false;
  const auto in = buffer.cdata();
  const std::string_view arrived(static_cast<const char*>(in.data()), in.size());
  for (const auto& start : routes.starts) {
    const auto n = std::min(start.size(), arrived.size());
    if (arrived.compare(0, n, start, 0, n) == 0) return true;
  }
  return false;
}

Error body_too_large(std::size_t limit) {
  return make_error(
      Errc::payload_too_large,
      "the request body is over this route's limit of " + std::to_string(limit) + " bytes",
      "body_too_large");
}

// A streamed route's body (RequestBody), read from the connection a piece at a time into a
// buffer_body parser made from the one that read its header (Beast's way to change a parser's
// body type), decoded as it arrives.
class StreamedBody final : public RequestBody {
 public:
  static constexpr std::size_t kPiece = 64 * 1024;

  StreamedBody(beast::ssl_stream<beast::tcp_stream>& stream, beast::flat_buffer& buffer,
               bhttp::request_parser<bhttp::string_body>&& header_read, std::size_t limit,
               std::unique_ptr<ContentDecoder> decoder, std::chrono::milliseconds read_timeout)
      : stream_(stream),
        buffer_(buffer),
        parser_(std::move(header_read)),
        limit_(limit),
        decoder_(std::move(decoder)),
        read_timeout_(read_timeout) {
    parser_.body_limit(limit);  // on the bytes as sent; the decoded ones are counted below
    continue_ = beast::iequals(parser_.get()[bhttp::field::expect], "100-continue");
  }

  asio::awaitable<Result<std::string_view>> next() override {
    if (continue_) {
      continue_ = false;
      static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
      beast::get_lowest_layer(stream_).expires_after(read_timeout_);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(k100), use_tuple);
      if (ec) co_return failed(ec);
    }
    for (;;) {
      if (decoder_) {
        auto n = decoder_->read({out_.get(), kPiece});
        if (!n) co_return undecodable_content(n.error(), limit_);
        if (*n > 0) co_return counted(out_.get(), *n);
      }
      if (parser_.is_done()) {
        if (decoder_) {
          if (auto f = decoder_->finish(); !f) co_return undecodable_content(f.error(), limit_);
        }
        co_return std::string_view();
      }
      parser_.get().body().data = raw_.get();
      parser_.get().body().size = kPiece;
      beast::get_lowest_layer(stream_).expires_after(read_timeout_);
      auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, use_tuple);
      bytes_in_ += n;
      if (ec && ec != bhttp::error::need_buffer) co_return failed(ec);
      const std::size_t got = kPiece - parser_.get().body().size;
      if (got == 0) continue;
      if (!decoder_) co_return counted(raw_.get(), got);
      decoder_->give({raw_.get(), got});
    }
  }

  // True once the whole body was read: the connection can carry another request.
  bool done() const { return parser_.is_done() && !broken_; }
  // True when the client left or the framing is unknown: no answer to write, or no more requests.
  bool broken() const { return broken_; }
  std::size_t bytes_in() const { return bytes_in_; }

 private:
  Result<std::string_view> counted(const char* data, std::size_t n) {
    decoded_ += n;
    if (decoded_ > limit_) {
      broken_ = true;
      return body_too_large(limit_);
    }
    return std::string_view(data, n);
  }

  Error failed(const boost::system::error_code& ec) {
    broken_ = true;
    if (ec == bhttp::error::body_limit) return body_too_large(limit_);
    if (ec == beast::error::timeout) {
      return make_error(Errc::timeout, "the request body stopped arriving", "read_timeout");
    }
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return make_error(Errc::invalid_input, "the client closed the connection mid-body",
                        "connection_closed");
    }
    return make_error(Errc::invalid_input, "malformed HTTP request: " + ec.message(),
                      "bad_request");
  }

  beast::ssl_stream<beast::tcp_stream>& stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body> parser_;
  std::size_t limit_;
  std::unique_ptr<ContentDecoder> decoder_;
  std::chrono::milliseconds read_timeout_;
  bool continue_ = false;
  bool broken_ = false;
  std::size_t decoded_ = 0;
  std::size_t bytes_in_ = 0;
  std::unique_ptr<char[]> raw_ = std::make_unique_for_overwrite<char[]>(kPiece);
  std::unique_ptr<char[]> out_ = std::make_unique_for_overwrite<char[]>(kPiece);
};

// Writes an answer whose content comes in pieces (RequestContext::content_stream): the header
// fields, then each piece as a chunk, each write within `timeout`; then the last chunk. A piece
// that fails cuts the connection (the client sees no last chunk).
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_in_chunks(
    beast::ssl_stream<beast::tcp_stream>& stream, Response& res, RequestContext& ctx,
    std::chrono::milliseconds timeout) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  bhttp::response_serializer<bhttp::string_body> header(res);
  tcp_layer.expires_after(timeout);
  auto [ec, total] = co_await bhttp::async_write_header(stream, header, use_tuple);
  while (!ec) {
    auto piece = co_await ctx.content_stream();
    if (!piece) {
      log::error("streamed answer cut short", {{"correlation_id", ctx.correlation_id},
                                               {"route", ctx.route},
                                               {"error", piece.error().message}});
      abort_socket(tcp_layer.socket());
      co_return std::make_tuple(boost::system::error_code(asio::error::connection_aborted), total);
    }
    tcp_layer.expires_after(timeout);
    std::size_t n = 0;
    if (piece->empty()) {
      std::tie(ec, n) = co_await asio::async_write(stream, bhttp::make_chunk_last(), use_tuple);
      total += n;
      break;
    }
    std::tie(ec, n) =
        co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(*piece)), use_tuple);
    total += n;
  }
  co_return std::make_tuple(ec, total);
}

}  // namespace

struct Server::Listener {
  ListenerOptions options;
  tcp::acceptor acceptor;
  // The TLS context new connections use; replaced whole by set_tls (certificate, CA or CRL
  // reloaded). Connections already open keep the one they started with.
  std::atomic<std::shared_ptr<asio::ssl::context>> tls;
  ConnectionTable table;
  Listener(ListenerOptions o, asio::io_context& ioc)
      : options(std::move(o)), acceptor(ioc), tls(options.tls), table(options.connections) {}
};

// One accepted connection: a plain TCP stream until its ClientHello's first record has arrived
// whole, its TLS stream from then on (nothing of TLS is built for a connection that sends
// nothing, or not enough). Touched on its strand only; close_soon is the way in from elsewhere.
class Server::Connection final : public Closable, public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket s, std::string from, Server& server, const std::string& listener)
      : plain(std::move(s)),
        strand(plain.get_executor()),
        address(std::move(from)),
        metrics_(server.metrics_),
        alive_(server.alive_),
        listener_(listener) {}

  void close_soon(std::string_view why) override {
    asio::post(strand, [self = shared_from_this(), why = std::string(why)]() mutable {
      self->close_now(std::move(why));
    });
  }

  // The operation under way, if any, ends with operation_aborted; the session sees why. Counted
  // once, whoever asked first (an eviction, set_tls, the session itself after a reload).
  void close_now(std::string why) {
    if (closed_because.empty() && alive_->load()) metrics_.connection_evicted(listener_, why);
    if (closed_because.empty()) closed_because = std::move(why);
    abort_socket(stream ? beast::get_lowest_layer(*stream).socket() : plain.socket());
  }

  beast::tcp_stream plain;  // until the TLS stream takes it over
  asio::any_io_executor strand;
  std::string address;
  Clock::time_point accepted = Clock::now();
  ConnectionTable::Id id = 0;
  std::shared_ptr<asio::ssl::context> tls;  // the context of its handshake, held while it lasts
  beast::flat_buffer hello;  // the ClientHello's first record, handed to the TLS handshake
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;  // what the client sent and the parser has not used yet
  std::optional<tls::PeerIdentity> peer;
  const Principal* principal = nullptr;
  std::string closed_because;  // set when closed from outside: evicted, revoked

 private:
  Metrics& metrics_;
  std::shared_ptr<std::atomic<bool>> alive_;  // the server's: false once it is gone
  std::string listener_;
};

// A session's place in the counts, given back when it ends: the open connections, the
// pre-handshake gauge, its listener's table (and the memory a flood leaves behind).
struct Server::Tracking {
  Server& server;
  Listener& listener;
  Connection& connection;
  std::shared_ptr<std::atomic<bool>> alive;
  bool pre_handshake = true;

  Tracking(Server& s, Listener& l, Connection& c)
      : server(s), listener(l), connection(c), alive(s.alive_) {
    server.open_connections_.fetch_add(1);
    server.metrics_.connection_opened(listener.options.name);
    server.metrics_.pre_handshake_changed(listener.options.name, +1);
  }
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  void established() {
    pre_handshake = false;
    server.metrics_.pre_handshake_changed(listener.options.name, -1);
  }

  ~Tracking() {
    const bool trim = listener.table.remove(connection.id);
    // Sessions the io_context destroys after the server (pending at shutdown) touch nothing else.
    if (!alive->load()) return;
    if (pre_handshake) server.metrics_.pre_handshake_changed(listener.options.name, -1);
    server.open_connections_.fetch_sub(1);
    server.metrics_.connection_closed(listener.options.name);
    if (trim) process::return_free_memory();
  }
};

struct Server::Incoming {
  bhttp::request_parser<bhttp::string_body> parser;
  boost::system::error_code ec;  // set: the request was over a limit or malformed
  std::size_t bytes_in = 0;
  Clock::time_point started;
  // Set: the request is for a streamed route, with this limit; only its header was read.
  std::optional<std::size_t> streamed_limit;
  Request head;              // a streamed route's request: its header fields, kept from the parser
  bool unread_body = false;  // a streamed body left unread: drained before the connection closes
};

struct Server::Outgoing {
  RequestContext ctx;
  Response res;
  // Views into the request, which lives in Incoming until the response is written.
  std::string_view method = "-";
  std::string_view target = "-";
  bool close_after = false;
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

std::optional<std::size_t> Server::set_tls(const std::string& listener,
                                           std::shared_ptr<asio::ssl::context> tls) {
  for (auto& l : listeners_) {
    if (l->options.name != listener) continue;
    SSL_CTX* trust = tls->native_handle();
    // Stored first: a handshake that ends after this sees the new context and judges itself
    // (Server::handshake); one that ended before is in the table read below.
    l->tls.store(std::move(tls));
    std::size_t closed = 0;
    for (auto& open : l->table.established_connections()) {
      const int verdict = open.peer.verify_with(trust);
      if (verdict == X509_V_OK) continue;
      open.connection->close_soon(tls::reverify_failure_reason(verdict));
      ++closed;
    }
    return closed;
  }
  return std::nullopt;
}

void Server::stop() {
  for (auto& l : listeners_) {
    asio::post(l->acceptor.get_executor(), [l] {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
    });
  }
}

Server::awaitable Server::accept_loop(std::shared_ptr<Listener> l) {
  asio::steady_timer pause(ioc_);
  for (;;) {
    // Each connection gets its own strand: its coroutine never runs on two threads at once.
    auto [ec, socket] = co_await l->acceptor.async_accept(asio::make_strand(ioc_), use_tuple);
    if (!ec) {
      admit(l, std::move(socket));
      continue;
    }
    if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
    // Out of file descriptors and similar: keep serving the connections we have, and do not
    // spin on an accept that fails at once.
    log::warn("accept failed", {{"listener", l->options.name}, {"error", ec.message()}});
    pause.expires_after(std::chrono::milliseconds(20));
    co_await pause.async_wait(use_tuple);
  }
}

void Server::admit(const std::shared_ptr<Listener>& l, tcp::socket socket) {
  boost::system::error_code ec;
  // Answers are small: Nagle's algorithm would hold one back behind the unacknowledged TLS 1.3
  // session tickets until the client's delayed ACK (about 40 ms).
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  if (ec) {
    abort_socket(socket);  // gone already
    return;
  }
  const auto phase = arrived(socket);
  auto c = std::make_shared<Connection>(std::move(socket), remote.address().to_string(), *this,
                                        l->options.name);
  auto admission = l->table.admit(c->address, c, phase);
  if (admission.evicted) admission.evicted->close_soon(admission.evicted_reason);
  if (admission.id == 0) {
    metrics_.connection_refused(l->options.name, admission.refused);
    abort_socket(c->plain.socket());
    return;
  }
  c->id = admission.id;
  auto strand = c->strand;
  asio::co_spawn(strand, session(l, std::move(c)), asio::detached);
}

Server::awaitable Server::session(std::shared_ptr<Listener> l, std::shared_ptr<Connection> c) {
  Tracking tracking(*this, *l, *c);
  if (!co_await read_client_hello(*l, *c)) co_return;
  if (!co_await handshake(*l, *c)) co_return;
  tracking.established();
  co_await serve_requests(*l, *c);
}

asio::awaitable<bool> Server::read_client_hello(Listener& l, Connection& c) {
  using Phase = ConnectionTable::Phase;
  for (;;) {
    const auto in = c.hello.cdata();
    const std::size_t missing =
        tls::first_record_missing({static_cast<const unsigned char*>(in.data()), in.size()});
    if (missing == 0) break;
    const bool nothing_yet = in.size() == 0;
    c.plain.expires_at(c.accepted + (nothing_yet ? l.options.connections.first_byte_timeout
                                                 : limits_.handshake_timeout));
    // Exactly what is missing: the record's header, then its body (2^14 bytes at most).
    auto [ec, n] = co_await c.plain.async_read_some(c.hello.prepare(missing), use_tuple);
    if (ec) {
      if (ec == beast::error::timeout) {
        metrics_.connection_refused(l.options.name,
                                    nothing_yet ? "first_byte_timeout" : "client_hello_timeout");
      }
      co_return false;  // the client left, or was evicted (counted then)
    }
    c.hello.commit(n);
    l.table.progress(c.id, Phase::partial_hello);
  }
  l.table.progress(c.id, Phase::handshaking);
  co_return c.closed_because.empty();
}

asio::awaitable<bool> Server::handshake(Listener& l, Connection& c) {
  c.tls = l.tls.load();
  c.stream.emplace(std::move(c.plain), *c.tls);
  beast::get_lowest_layer(*c.stream).expires_at(c.accepted + limits_.handshake_timeout);
  auto [ec, used] =
      co_await c.stream->async_handshake(asio::ssl::stream_base::server, c.hello.data(), use_tuple);
  c.hello = beast::flat_buffer{};                  // read by OpenSSL now
  if (!c.closed_because.empty()) co_return false;  // evicted: counted then
  SSL* ssl = c.stream->native_handle();
  if (ec) {
    metrics_.handshake_failed(l.options.name, tls::handshake_failure_reason(ec, ssl));
    co_return false;
  }
  auto chain = tls::PeerChain::of(ssl);
  if (!l.table.established(c.id, chain)) co_return false;
  // Trust changed during this handshake: the client is judged by the context in force now, as
  // set_tls judged the connections already open.
  if (auto now = l.tls.load(); now != c.tls) {
    if (const int verdict = chain.verify_with(now->native_handle()); verdict != X509_V_OK) {
      c.close_now(std::string(tls::reverify_failure_reason(verdict)));
      co_return false;
    }
  }
  c.peer = tls::peer_identity(ssl);
  c.principal = c.peer && l.options.authenticate ? l.options.authenticate(*c.peer) : nullptr;
  co_return true;
}

Server::awaitable Server::serve_requests(Listener& l, Connection& c) {
  for (bool first = true;; first = false) {
    Incoming in;
    if (!co_await read_request(l, c, first, in)) co_return;
    Outgoing out;
    co_await dispatch(l, c, in, out);
    if (!c.closed_because.empty()) co_return;  // revoked meanwhile: nothing more goes out
    if (out.ctx.reset_connection) {
      metrics_.request_done(l.options.name, out.ctx.route, out.method, 0,
                            Clock::now() - out.ctx.started);
      abort_socket(beast::get_lowest_layer(*c.stream).socket());
      co_return;
    }
    if (!co_await write_response(l, c, in, out)) break;
    if (out.close_after) {
      // The stream position is unknown after a request we could not read: drain it first.
      if (in.ec || in.unread_body)
        co_await lingering_close(c,
                                 std::max(limits_.max_body_bytes, in.streamed_limit.value_or(0)));
      break;
    }
  }
  beast::get_lowest_layer(*c.stream).expires_after(std::chrono::seconds(1));
  co_await c.stream->async_shutdown(use_tuple);
}

asio::awaitable<bool> Server::read_request(Listener& l, Connection& c, bool first, Incoming& in) {
  auto& tcp_layer = beast::get_lowest_layer(*c.stream);
  // Wait for the request's first byte: the read timeout for the first request, the idle
  // timeout between kept-alive requests.
  if (c.buffer.size() == 0) {
    tcp_layer.expires_after(first ? limits_.read_timeout : limits_.idle_timeout);
    auto [ec, n] = co_await c.stream->async_read_some(c.buffer.prepare(4096), use_tuple);
    if (ec) co_return false;  // closed by the client or from outside, or idle
    c.buffer.commit(n);
  }
  in.started = Clock::now();
  // The whole request, headers and body, must arrive within the read timeout: a client that
  // trickles its headers is cut there, without holding up anyone else.
  tcp_layer.expires_after(limits_.read_timeout);
  in.parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  in.parser.body_limit(limits_.max_body_bytes);
  if (may_be_streamed(l.options.streamed, c.buffer)) {
    co_await read_header_first(l, c, in);
  } else {
    in.bytes_in = parse_buffered(in.parser, c.buffer, in.ec);
    if (!in.ec && !in.parser.is_done()) {
      std::size_t more = 0;
      std::tie(in.ec, more) = co_await bhttp::async_read(*c.stream, c.buffer, in.parser, use_tuple);
      in.bytes_in += more;
    }
  }
  if (in.ec == beast::error::timeout || in.ec == asio::error::eof ||
      in.ec == asio::ssl::error::stream_truncated || in.ec == asio::error::connection_reset ||
      in.ec == asio::error::operation_aborted) {
    // The socket is gone (the timer closed it, or the client, or the hub): nothing to answer.
    if (in.ec == beast::error::timeout) metrics_.connection_refused(l.options.name, "read_timeout");
    co_return false;
  }
  co_return c.closed_because.empty();
}

Server::awaitable Server::read_header_first(Listener& l, Connection& c, Incoming& in) {
  in.parser.body_limit(boost::none);  // the route, known once the header is read, sets it
  std::tie(in.ec, in.bytes_in) =
      co_await bhttp::async_read_header(*c.stream, c.buffer, in.parser, use_tuple);
  if (in.ec) co_return;
  in.streamed_limit = l.options.streamed.limit_for(in.parser.get());
  if (in.streamed_limit) {
    in.head = in.parser.get();
    in.unread_body = true;  // until the route has read it whole
    co_return;
  }
  // Another route: its body is read whole, within the listener's limit, as any request's.
  in.parser.body_limit(limits_.max_body_bytes);
  if (const auto length = in.parser.content_length(); length && *length > limits_.max_body_bytes) {
    in.ec = bhttp::error::body_limit;
    co_return;
  }
  std::size_t n = 0;
  std::tie(in.ec, n) = co_await bhttp::async_read(*c.stream, c.buffer, in.parser, use_tuple);
  in.bytes_in += n;
}

Server::awaitable Server::dispatch_streamed(Listener& l, Connection& c, Incoming& in,
                                            Outgoing& out) {
  RequestContext& ctx = out.ctx;
  const Request& head = in.head;
  const std::size_t limit = *in.streamed_limit;
  auto decoder = ContentDecoder::for_coding(content_coding_of(head));
  const auto length = in.parser.content_length();
  if (!decoder) {
    out.res = undecodable_content_response(decoder.error(), limit, ctx, head.version());
  } else if (length && *length > limit) {
    out.res = error_response(body_too_large(limit), ctx, head.version());
  }
  if (!decoder || (length && *length > limit)) co_return;
  StreamedBody body(*c.stream, c.buffer, std::move(in.parser), limit, std::move(*decoder),
                    limits_.read_timeout);
  try {
    out.res = co_await l.options.streamed.handler(head, body, ctx);
  } catch (const std::exception& e) {
    log::error("handler failed",
               {{"correlation_id", ctx.correlation_id}, {"route", ctx.route}, {"error", e.what()}});
    out.res = error_response(make_error(Errc::internal, "internal error"), ctx, head.version());
  }
  in.bytes_in += body.bytes_in();
  if (body.broken()) out.close_after = true;
  in.unread_body = !body.done();
}

Server::awaitable Server::dispatch(Listener& l, Connection& c, Incoming& in, Outgoing& out) {
  RequestContext& ctx = out.ctx;
  ctx.started = in.started;
  ctx.listener = l.options.name;
  ctx.remote_address = c.address;
  ctx.executor = co_await asio::this_coro::executor;
  ctx.principal = c.principal;
  if (c.peer) {
    ctx.peer_subject = c.peer->subject;
    ctx.peer_issuer = c.peer->issuer;
  }
  if (in.ec) {
    ctx.correlation_id = new_uuid();
    out.res = unreadable_request(in.ec, limits_, ctx);
    out.close_after = true;
    if (in.parser.is_header_done()) {
      out.method = in.parser.get().method_string();
      out.target = in.parser.get().target();
    }
  } else {
    Request& req = in.streamed_limit ? in.head : in.parser.get();
    out.method = req.method_string();
    out.target = req.target();
    ctx.correlation_id = correlation_id_of(req);
    // A streamed route's body is decoded as it is read.
    auto undecodable = in.streamed_limit ? refuse_transfer_coding(req, ctx)
                                         : decode_request_content(req, limits_.max_body_bytes, ctx);
    if (c.principal == nullptr) {
      out.res = error_response(
          make_error(Errc::unknown_principal,
                     "the client certificate is valid but is not registered as a principal: "
                     "ask the hub's administrators to map its subject to a principal",
                     "unknown_principal"),
          ctx, req.version());
    } else if (undecodable) {
      out.res = std::move(*undecodable);
    } else if (in.streamed_limit) {
      co_await dispatch_streamed(l, c, in, out);
    } else {
      try {
        out.res = co_await l.options.handler(req, ctx);
      } catch (const std::exception& e) {
        log::error(
            "handler failed",
            {{"correlation_id", ctx.correlation_id}, {"route", ctx.route}, {"error", e.what()}});
        out.res = error_response(make_error(Errc::internal, "internal error"), ctx, req.version());
      }
    }
    out.res.version(req.version());
    const bool head = req.method() == bhttp::verb::head;
    if (out.ctx.content_stream && (head || out.res.result_int() != 200)) {
      out.ctx.content_stream = nullptr;
    }
    if (out.ctx.content_stream) {
      out.res.erase(bhttp::field::content_length);
      out.res.chunked(true);
    }
    if (head) omit_content_for_head(out.res);
    out.close_after = out.close_after || in.unread_body || !req.keep_alive();
  }
  out.res.set(kCorrelationHeader, ctx.correlation_id);
  out.res.keep_alive(!out.close_after);
  if (!out.res.has_content_length() && !out.res.chunked()) out.res.prepare_payload();
}

asio::awaitable<bool> Server::write_response(Listener& l, Connection& c, const Incoming& in,
                                             Outgoing& out) {
  beast::get_lowest_layer(*c.stream).expires_after(limits_.write_timeout);
  boost::system::error_code ec;
  std::size_t bytes_out = 0;
  if (out.ctx.content_stream) {
    std::tie(ec, bytes_out) =
        co_await write_in_chunks(*c.stream, out.res, out.ctx, limits_.write_timeout);
  } else if (out.ctx.slow_write_chunk > 0) {
    std::tie(ec, bytes_out) = co_await write_slowly(*c.stream, out.res, out.ctx);
  } else {
    std::tie(ec, bytes_out) = co_await bhttp::async_write(*c.stream, out.res, use_tuple);
  }
  const auto took = Clock::now() - out.ctx.started;
  const unsigned status = out.res.result_int();
  if (l.options.request_metrics) {
    metrics_.request_done(l.options.name, out.ctx.route, out.method, status, took);
  }
  if (l.options.access_log) {
    access_log(out.ctx, out.method, out.target, status, in.bytes_in, bytes_out, took);
  }
  co_return !ec;
}

Server::awaitable Server::lingering_close(Connection& c, std::size_t limit) {
  // The client may still be sending the body we refused. Closing with unread bytes makes the
  // kernel reset the connection, and the client could lose our answer; read and discard for a
  // moment first.
  beast::get_lowest_layer(*c.stream).expires_after(std::chrono::seconds(1));
  std::array<char, 16 * 1024> sink{};
  std::size_t drained = 0;
  while (drained < 4 * limit) {
    auto [ec, n] = co_await c.stream->async_read_some(asio::buffer(sink), use_tuple);
    if (ec) break;
    drained += n;
  }
}

}  // namespace hub::http
