// Connections before authentication, against the real hub over real mutual TLS: an idle flood
// (TCP connections that never send a ClientHello) must lock real clients out of neither
// listener nor keep the hub's memory; one source address is cut at its own limits; and the
// first answer on a new TLS 1.3 connection is not held back by Nagle's algorithm.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "support/flood.hpp"
#include "support/hub_process.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using namespace std::chrono_literals;

namespace {

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Served {
  std::size_t asked = 0;
  std::size_t answered = 0;  // 200
  double p50_ms = 0;
  double p99_ms = 0;  // over every request: one not answered counts for the time it took
};

// `n` requests for /healthz, each on a new connection (the case a flood hurts: a newcomer must
// get a slot), one after the other; `watch` runs after each one.
template <class Watch>
Served serve(unsigned short port, ts::ClientSetup setup, std::size_t n, Watch&& watch) {
  setup.timeout = 2s;
  Served s;
  std::vector<double> took;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ex = ts::https_request(port, setup, "GET", "/healthz");
    took.push_back(ms(std::chrono::steady_clock::now() - t0));
    ++s.asked;
    if (ex.response && ex.response->result_int() == 200) ++s.answered;
    watch();
  }
  std::sort(took.begin(), took.end());
  s.p50_ms = took[took.size() / 2];
  s.p99_ms = took[std::min(took.size() - 1, (took.size() * 99 + 99) / 100 - 1)];
  return s;
}

std::string metrics(unsigned short port) {
  auto ex = ts::https_request(port, ts::client("admin"), "GET", "/metrics");
  return ex.response ? ex.response->body() : "";
}

struct FloodResult {
  Served internal;  // the agency, on the flooded listener
  Served partners;  // DGCT, on the other one
  std::size_t rss_before_kib = 0;
  std::size_t rss_during_kib = 0;  // the highest seen
  std::size_t rss_after_kib = 0;
};

// A hub with its limits as conf/hub.yaml ships them (everything else at its default), 2,100
// connections from 200 addresses (10 or 11 each: below any per-address limit, so that only the
// listener's own budgets stand between the flood and the agency) on the internal listener, each
// sending `first_bytes` and then nothing, each reopened a second after the hub closes it (faster,
// the flood becomes one of connection attempts, which fill the kernel's accept queue before the
// hub can tell anyone apart: a matter for SYN cookies and the firewall); meanwhile 100
// requests from the agency on the internal listener and 100 from DGCT on the partners listener.
FloodResult flood_internal_listener(const std::string& first_bytes) {
  ts::raise_open_file_limit();
  ts::HubOptions o;
  o.limits_yaml = "  max_connections: 2048\n";
  ts::HubProcess hub(o);
  const pid_t pid = hub.process().pid();
  const auto internal = hub.port("internal");
  const auto partners = hub.port("partners");
  const auto agency = ts::client("agency");
  const auto dgct = ts::client("dgct");
  serve(internal, agency, 20, [] {});
  serve(partners, dgct, 20, [] {});
  FloodResult r;
  r.rss_before_kib = r.rss_during_kib = ts::resident_kib(pid);
  auto sample = [&] { r.rss_during_kib = std::max(r.rss_during_kib, ts::resident_kib(pid)); };
  std::size_t flood_open = 0;
  std::size_t flood_closed = 0;
  {
    ts::FloodOptions f;
    f.port = internal;
    f.connections = 2100;
    f.sources = ts::loopback_sources(2, 200);
    f.first_bytes = first_bytes;
    f.reopen_after = 1s;
    ts::IdleFlood flood(f);
    flood.wait_open(2000, 10s);
    std::this_thread::sleep_for(1s);
    sample();
    r.internal = serve(internal, agency, 100, sample);
    r.partners = serve(partners, dgct, 100, sample);
    flood_open = flood.open();
    flood_closed = flood.closed_by_server();
  }
  // The hub notices the closed connections, then gives back what they held.
  r.rss_after_kib = ts::resident_kib(pid);
  for (int i = 0; i < 50 && r.rss_after_kib > r.rss_before_kib + 20 * 1024; ++i) {
    std::this_thread::sleep_for(100ms);
    r.rss_after_kib = ts::resident_kib(pid);
  }
  const std::string m = metrics(internal);
  std::cout << "flood: open at the end " << flood_open << ", closed by the hub " << flood_closed
            << ", evicted idle "
            << ts::metric_value(m, "cnss_http_connections_evicted_total",
                                {"listener=\"internal\"", "reason=\"idle_pre_handshake\""})
            << ", evicted partial "
            << ts::metric_value(m, "cnss_http_connections_evicted_total",
                                {"listener=\"internal\"", "reason=\"partial_client_hello\""})
            << ", evicted in their handshake "
            << ts::metric_value(m, "cnss_http_connections_evicted_total",
                                {"listener=\"internal\"", "reason=\"stalled_handshake\""})
            << "\ninternal: " << r.internal.answered << "/" << r.internal.asked << " answered, p50 "
            << r.internal.p50_ms << " ms, p99 " << r.internal.p99_ms
            << " ms\npartners: " << r.partners.answered << "/" << r.partners.asked
            << " answered, p50 " << r.partners.p50_ms << " ms, p99 " << r.partners.p99_ms
            << " ms\nRSS KiB: before " << r.rss_before_kib << ", during " << r.rss_during_kib
            << ", after " << r.rss_after_kib << "\n";
  return r;
}

void expect_served_and_memory_returned(const FloodResult& r) {
  EXPECT_GE(r.internal.answered, 95u);
  EXPECT_LT(r.internal.p99_ms, 200);
  EXPECT_GE(r.partners.answered, 95u);
  EXPECT_LT(r.partners.p99_ms, 200);
  EXPECT_LE(r.rss_after_kib, r.rss_before_kib + 20 * 1024) << "KiB resident after the flood";
}

// Connections that never send a ClientHello.
TEST(HubFlood, AnIdleFloodLeavesBothListenersServedAndTheMemoryReturned) {
  expect_served_and_memory_returned(flood_internal_listener(""));
}

// Connections that send a TLS record's first bytes and stall: the hub has begun their handshake
// (and built their TLS state) before it can know.
TEST(HubFlood, AFloodStalledInTheHandshakeLeavesBothListenersServedAndTheMemoryReturned) {
  expect_served_and_memory_returned(flood_internal_listener("\x16\x03\x01"));
}

TEST(HubFlood, OneSourceAddressIsCutAtItsLimits) {
  ts::raise_open_file_limit();
  ts::HubOptions o;
  o.limits_yaml =
      "  max_connections: 2048\n  max_pre_handshake_per_address: 4\n"
      "  max_connections_per_address: 8\n";
  ts::HubProcess hub(o);
  const auto internal = hub.port("internal");
  {
    // 200 idle connections from one address: 4 are kept, the others closed at once.
    ts::FloodOptions f;
    f.port = internal;
    f.connections = 200;
    f.sources = {"127.0.0.9"};
    f.reopen = false;
    ts::IdleFlood flood(f);
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (flood.closed_by_server() < 196 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(flood.open(), 4u);
    EXPECT_EQ(flood.closed_by_server(), 196u);
    // Another address is not concerned.
    auto ok = ts::https_request(internal, ts::client("agency"), "GET", "/healthz");
    ASSERT_TRUE(ok.response) << ok.error;
    EXPECT_EQ(ok.response->result_int(), 200);
    EXPECT_EQ(ts::metric_value(metrics(internal), "cnss_http_connections_refused_total",
                               {"listener=\"internal\"", "reason=\"per_address_pre_handshake\""}),
              196);
    EXPECT_EQ(ts::metric_value(metrics(internal), "cnss_http_pre_handshake_connections",
                               {"listener=\"internal\""}),
              4);
  }

  // Connections past their handshake count towards their address's total: with 8 open, a ninth
  // is refused.
  std::vector<std::unique_ptr<ts::TlsConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<ts::TlsConnection>(internal, ts::client("agency")));
    auto ex = held.back()->request({"GET", "/healthz", "", {}});
    ASSERT_TRUE(ex.response) << ex.error;
  }
  ts::TlsConnection ninth(internal, ts::client("agency"));
  EXPECT_FALSE(ninth.request({"GET", "/healthz", "", {}}).response);
  held.clear();
  std::this_thread::sleep_for(200ms);  // the hub sees the eight close
  EXPECT_EQ(ts::metric_value(metrics(internal), "cnss_http_connections_refused_total",
                             {"listener=\"internal\"", "reason=\"per_address\""}),
            1);
}

// The first answer on a new TLS 1.3 connection: after the handshake the hub sends its session
// tickets, and without TCP_NODELAY the small answer that follows waits for their ACK, which the
// client delays (about 40 ms on Linux).
TEST(HubLatency, TheFirstAnswerOnANewTls13ConnectionIsNotHeldBack) {
  ts::HubProcess hub;
  ts::ClientSetup agency = ts::client("agency");
  agency.min_version = TLS1_3_VERSION;
  agency.max_version = TLS1_3_VERSION;
  std::vector<double> handshakes;
  std::vector<double> answers;
  for (int i = 0; i < 9; ++i) {
    ts::TlsConnection c(hub.port("internal"), agency);
    ASSERT_TRUE(c.handshake_ok()) << c.error();
    auto ex = c.request({"GET", "/healthz", "", {}});
    ASSERT_TRUE(ex.response) << ex.error;
    handshakes.push_back(ms(c.handshake_took()));
    answers.push_back(ms(c.request_took()));
  }
  std::sort(handshakes.begin(), handshakes.end());
  std::sort(answers.begin(), answers.end());
  std::cout << "TLS 1.3 handshake median " << handshakes[4] << " ms; first request to answer "
            << "median " << answers[4] << " ms (min " << answers[0] << ", max " << answers[8]
            << ")\n";
  EXPECT_LT(answers[4], 10) << "median ms from the first request to its answer";
}

}  // namespace
