// loadgen: the project's load generator. Mutual TLS with a client certificate, keep-alive
// connections, closed loop (each connection sends its next request when the last one is
// answered) or a fixed rate (open loop: latency counts from the intended send time, so a
// stalled server is not hidden), identifiers drawn from a range into a request template, and
// throughput with latency percentiles from a histogram.
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "hub/core/version.hpp"
#include "identifiers.hpp"

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::string url;
  std::string ca, cert, key, server_name = "localhost";
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string id_kind = "number";
  std::uint64_t id_from = 100001, id_to = 999999;
  bool sequential = false;
  std::size_t connections = 16;
  std::size_t threads = 1;
  double duration_s = 10;
  double warmup_s = 1;
  double rate = 0;  // requests per second in all; 0: closed loop
  bool json_only = false;
};

struct Worker {
  loadgen::Histogram histogram;
  std::map<unsigned, std::uint64_t> statuses;
  std::uint64_t errors = 0;
  std::uint64_t reconnects = 0;
  std::string last_error;
};

constexpr const char* kUsage = R"(loadgen — HTTPS load generator with mutual TLS

Usage: loadgen --url https://127.0.0.1:7002 --ca CA.crt --cert CLIENT.crt --key CLIENT.key
          [--server-name localhost] [--method GET] --target '/path/{id}?x={id}'
          [--header 'Name: value']... [--body 'text with {id}' | --body-file FILE]
          [--id-kind cnie|ice|if|rib|number] [--id-from N] [--id-to N] [--sequential]
          [--connections 16] [--threads 1] [--duration 10] [--warmup 1] [--rate 0] [--json]
       loadgen --help | --version

{id} in the target, headers and body is replaced by an identifier of --id-kind drawn from
[--id-from, --id-to] (at random, or in order with --sequential). --rate 0 is a closed loop.
Prints a summary and one JSON line: throughput and p50/p90/p99/p99.9 latencies.
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) {
    s.replace(p, from.size(), to);
  }
  return s;
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "loadgen: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--url")
      o.url = next();
    else if (a == "--ca")
      o.ca = next();
    else if (a == "--cert")
      o.cert = next();
    else if (a == "--key")
      o.key = next();
    else if (a == "--server-name")
      o.server_name = next();
    else if (a == "--method")
      o.method = next();
    else if (a == "--target")
      o.target = next();
    else if (a == "--header") {
      const std::string h = next();
      const auto colon = h.find(':');
      if (colon == std::string::npos) return false;
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      o.headers.emplace_back(h.substr(0, colon), v);
    } else if (a == "--body")
      o.body = next();
    else if (a == "--body-file") {
      std::ifstream in(next(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      o.body = ss.str();
    } else if (a == "--id-kind")
      o.id_kind = next();
    else if (a == "--id-from")
      o.id_from = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--id-to")
      o.id_to = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--sequential")
      o.sequential = true;
    else if (a == "--connections")
      o.connections = std::strtoul(next().c_str(), nullptr, 10);
    else if (a == "--threads")
      o.threads = std::strtoul(next().c_str(), nullptr, 10);
    else if (a == "--duration")
      o.duration_s = std::strtod(next().c_str(), nullptr);
    else if (a == "--warmup")
      o.warmup_s = std::strtod(next().c_str(), nullptr);
    else if (a == "--rate")
      o.rate = std::strtod(next().c_str(), nullptr);
    else if (a == "--json")
      o.json_only = true;
    else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", a.c_str());
      return false;
    }
  }
  return !o.url.empty() && !o.cert.empty() && loadgen::valid_kind(o.id_kind) && o.connections > 0 &&
         o.threads > 0 && o.id_to >= o.id_from;
}

struct Shared {
  const Options* o;
  std::string host, port, host_header;
  Clock::time_point measure_from, stop_at;
  std::atomic<std::uint64_t> sequence{0};
};

asio::awaitable<void> connection(Shared& sh, ssl::context& ctx, Worker& w, std::size_t index,
                                 double per_connection_rate) {
  const Options& o = *sh.o;
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(sh.host, sh.port, use_tuple);
  if (rec) {
    ++w.errors;
    w.last_error = "resolve: " + rec.message();
    co_return;
  }
  std::mt19937_64 rng(0xC0FFEEull + index);
  std::uniform_int_distribution<std::uint64_t> pick(o.id_from, o.id_to);
  asio::steady_timer pacer(ex);
  auto next_send = Clock::now() + std::chrono::microseconds(
                                      static_cast<long>(index * 1e6 / std::max(1.0, o.rate)));
  const auto interval = per_connection_rate > 0
                            ? std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(1.0 / per_connection_rate))
                            : Clock::duration::zero();

  while (Clock::now() < sh.stop_at) {
    beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), o.server_name.c_str());
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_tuple);
    if (!cec) std::tie(cec) = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (cec) {
      ++w.errors;
      w.last_error = "connect: " + cec.message();
      asio::steady_timer t(ex, std::chrono::milliseconds(100));
      co_await t.async_wait(use_tuple);
      continue;
    }
    beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    bool alive = true;
    while (alive && Clock::now() < sh.stop_at) {
      Clock::time_point intended = Clock::now();
      if (per_connection_rate > 0) {
        pacer.expires_at(next_send);
        co_await pacer.async_wait(use_tuple);
        intended = next_send;
        next_send += interval;
      }
      const std::uint64_t n = o.sequential
                                  ? o.id_from + sh.sequence.fetch_add(1) % (o.id_to - o.id_from + 1)
                                  : pick(rng);
      const std::string id = loadgen::make_identifier(o.id_kind, n);
      http::request<http::string_body> req{http::string_to_verb(o.method),
                                           replace_all(o.target, "{id}", id), 11};
      req.set(http::field::host, sh.host_header);
      for (const auto& [k, v] : o.headers) req.set(k, replace_all(v, "{id}", id));
      if (!o.body.empty()) req.body() = replace_all(o.body, "{id}", id);
      req.keep_alive(true);
      req.prepare_payload();
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
      auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
      http::response<http::string_body> res;
      boost::system::error_code ec = wec;
      if (!ec)
        std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, res, use_tuple);
      const auto done = Clock::now();
      if (ec) {
        if (done < sh.stop_at) {
          ++w.errors;
          w.last_error = ec.message();
        }
        ++w.reconnects;
        alive = false;
        break;
      }
      if (intended >= sh.measure_from && done <= sh.stop_at) {
        w.histogram.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(done - intended).count()));
        ++w.statuses[res.result_int()];
      }
      alive = res.keep_alive();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (hub::asks_for_version(argc, argv)) {
    std::puts(hub::version_line("loadgen").c_str());
    return 0;
  }
  if (hub::asks_for_help(argc, argv)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto url = boost::urls::parse_absolute_uri(o.url);
  if (!url || url->scheme() != "https") {
    std::fprintf(stderr, "loadgen: --url must be https://host:port\n");
    return 2;
  }
  Shared sh;
  sh.o = &o;
  sh.host = std::string(url->host_address());
  sh.port = url->has_port() ? std::string(url->port()) : "443";
  sh.host_header = std::string(url->encoded_host_and_port());

  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (!o.ca.empty()) {
    ctx.load_verify_file(o.ca);
    ctx.set_verify_mode(ssl::verify_peer);
  }
  ctx.use_certificate_chain_file(o.cert);
  ctx.use_private_key_file(o.key, ssl::context::pem);

  const auto start = Clock::now();
  sh.measure_from = start + std::chrono::milliseconds(static_cast<long>(o.warmup_s * 1000));
  sh.stop_at = sh.measure_from + std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));
  const double per_conn_rate = o.rate > 0 ? o.rate / static_cast<double>(o.connections) : 0;

  std::vector<Worker> workers(o.threads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      asio::io_context ioc(1);
      for (std::size_t c = t; c < o.connections; c += o.threads) {
        asio::co_spawn(ioc, connection(sh, ctx, workers[t], c, per_conn_rate), asio::detached);
      }
      ioc.run();
    });
  }
  for (auto& th : threads) th.join();

  loadgen::Histogram h;
  std::map<unsigned, std::uint64_t> statuses;
  std::uint64_t errors = 0;
  std::string last_error;
  for (auto& w : workers) {
    h.merge(w.histogram);
    for (auto [s, n] : w.statuses) statuses[s] += n;
    errors += w.errors;
    if (!w.last_error.empty()) last_error = w.last_error;
  }
  const double rps = static_cast<double>(h.count()) / o.duration_s;
  auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1000.0; };
  if (!o.json_only) {
    std::printf("%s %s  connections=%zu threads=%zu %s  duration=%.1fs (after %.1fs warm-up)\n",
                o.method.c_str(), o.target.c_str(), o.connections, o.threads,
                o.rate > 0 ? ("rate=" + std::to_string(static_cast<long>(o.rate)) + "/s").c_str()
                           : "closed-loop",
                o.duration_s, o.warmup_s);
    std::printf("  requests %llu   throughput %.0f req/s   errors %llu%s%s\n",
                static_cast<unsigned long long>(h.count()), rps,
                static_cast<unsigned long long>(errors),
                last_error.empty() ? "" : "  last: ", last_error.c_str());
    std::printf("  latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
                ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)),
                ms(h.quantile(0.999)), ms(h.max()), h.mean() / 1000.0);
    std::printf("  status");
    for (auto [s, n] : statuses) std::printf("  %u: %llu", s, static_cast<unsigned long long>(n));
    std::printf("\n");
  }
  std::printf(
      "{\"requests\":%llu,\"seconds\":%.3f,\"throughput_rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%llu,\"status\":{",
      static_cast<unsigned long long>(h.count()), o.duration_s, rps, ms(h.quantile(0.5)),
      ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max()),
      static_cast<unsigned long long>(errors));
  bool first = true;
  for (auto [s, n] : statuses) {
    std::printf("%s\"%u\":%llu", first ? "" : ",", s, static_cast<unsigned long long>(n));
    first = false;
  }
  std::printf("}}\n");
  return h.count() > 0 ? 0 : 1;
}
