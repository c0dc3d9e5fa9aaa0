#include "hub/http/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <mutex>
#include <unordered_map>

namespace hub::http {
namespace {
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}
}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("cnss_http_requests_total")
          .Help("HTTP requests answered, by listener, route, method and status")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& request_seconds =
      prometheus::BuildHistogram()
          .Name("cnss_http_request_duration_seconds")
          .Help("Time from a request's first byte to its response written, by listener and route")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& open_connections =
      prometheus::BuildGauge()
          .Name("cnss_http_open_connections")
          .Help("TCP connections open, by listener")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& refused_connections =
      prometheus::BuildCounter()
          .Name("cnss_http_connections_refused_total")
          .Help("Connections closed before TLS, by listener and reason")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& evicted_connections =
      prometheus::BuildCounter()
          .Name("cnss_http_connections_evicted_total")
          .Help(
              "Connections the hub closed after admitting them: to make room for a newcomer, or "
              "because a TLS reload no longer trusts their client; by listener and reason")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& pre_handshake =
      prometheus::BuildGauge()
          .Name("cnss_http_pre_handshake_connections")
          .Help("Connections accepted whose TLS handshake has not ended, by listener")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& handshake_failures =
      prometheus::BuildCounter()
          .Name("cnss_tls_handshake_failures_total")
          .Help("TLS handshakes refused or failed, by listener and reason")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& partner_calls =
      prometheus::BuildCounter()
          .Name("cnss_partner_calls_total")
          .Help("Calls to partners, by partner and outcome")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& partner_seconds =
      prometheus::BuildHistogram()
          .Name("cnss_partner_call_duration_seconds")
          .Help("Latency of calls to partners, by partner and outcome")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& partner_handshakes =
      prometheus::BuildCounter()
          .Name("cnss_partner_tls_handshakes_total")
          .Help("TLS handshakes towards partners, by partner and whether the session was resumed")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& cert_expiry =
      prometheus::BuildGauge()
          .Name("cnss_certificate_expiry_timestamp_seconds")
          .Help("notAfter of each certificate the hub presents or trusts, as a Unix time")
          .Register(*registry);

  // The series of request_done, found once per label set: prometheus-cpp's Family::Add builds and
  // hashes a map of label strings on every call. Series are never removed, so the pointers stay
  // valid. Key: listener, route, method and status, each followed by a NUL.
  struct RequestSeries {
    prometheus::Counter* requests;
    prometheus::Histogram* seconds;
  };
  std::mutex series_mutex;
  std::unordered_map<std::string, RequestSeries> request_series;

  std::mutex extra_mutex;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> extra_gauges;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> extra_counters;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

prometheus::Registry& Metrics::registry() {
  return *impl_->registry;
}

void Metrics::request_done(std::string_view listener, std::string_view route,
                           std::string_view method, unsigned status,
                           std::chrono::nanoseconds latency) {
  thread_local std::string key;
  key.clear();
  for (const auto part : {listener, route, method}) key.append(part).push_back('\0');
  key.append(std::to_string(status)).push_back('\0');
  Impl::RequestSeries series{};
  {
    std::lock_guard lock(impl_->series_mutex);
    auto it = impl_->request_series.find(key);
    if (it == impl_->request_series.end()) {
      const std::string l(listener), r(route);
      it = impl_->request_series
               .emplace(
                   key,
                   Impl::RequestSeries{&impl_->requests.Add({{"listener", l},
                                                             {"route", r},
                                                             {"method", std::string(method)},
                                                             {"status", std::to_string(status)}}),
                                       &impl_->request_seconds.Add({{"listener", l}, {"route", r}},
                                                                   kLatencyBuckets)})
               .first;
    }
    series = it->second;
  }
  series.requests->Increment();
  series.seconds->Observe(seconds(latency));
}

void Metrics::connection_opened(std::string_view listener) {
  impl_->open_connections.Add({{"listener", std::string(listener)}}).Increment();
}

void Metrics::connection_closed(std::string_view listener) {
  impl_->open_connections.Add({{"listener", std::string(listener)}}).Decrement();
}

void Metrics::connection_refused(std::string_view listener, std::string_view reason) {
  impl_->refused_connections
      .Add({{"listener", std::string(listener)}, {"reason", std::string(reason)}})
      .Increment();
}

void Metrics::connection_evicted(std::string_view listener, std::string_view reason) {
  impl_->evicted_connections
      .Add({{"listener", std::string(listener)}, {"reason", std::string(reason)}})
      .Increment();
}

void Metrics::pre_handshake_changed(std::string_view listener, int delta) {
  impl_->pre_handshake.Add({{"listener", std::string(listener)}}).Increment(delta);
}

void Metrics::handshake_failed(std::string_view listener, std::string_view reason) {
  impl_->handshake_failures
      .Add({{"listener", std::string(listener)}, {"reason", std::string(reason)}})
      .Increment();
}

void Metrics::partner_call(std::string_view partner, std::string_view outcome,
                           std::chrono::nanoseconds latency) {
  impl_->partner_calls.Add({{"partner", std::string(partner)}, {"outcome", std::string(outcome)}})
      .Increment();
  impl_->partner_seconds
      .Add({{"partner", std::string(partner)}, {"outcome", std::string(outcome)}}, kLatencyBuckets)
      .Observe(seconds(latency));
}

void Metrics::partner_handshake(std::string_view partner, bool resumed) {
  impl_->partner_handshakes
      .Add({{"partner", std::string(partner)}, {"resumed", resumed ? "true" : "false"}})
      .Increment();
}

void Metrics::certificate_expiry(std::string_view role, std::string_view subject,
                                 std::chrono::system_clock::time_point not_after) {
  impl_->cert_expiry.Add({{"certificate", std::string(role)}, {"subject", std::string(subject)}})
      .Set(static_cast<double>(
          std::chrono::duration_cast<std::chrono::seconds>(not_after.time_since_epoch()).count()));
}

void Metrics::set_gauge(const std::string& name, const std::string& help,
                        std::string_view label_key, std::string_view label_value, double value) {
  prometheus::Family<prometheus::Gauge>* family = nullptr;
  {
    std::lock_guard lock(impl_->extra_mutex);
    auto it = impl_->extra_gauges.find(name);
    if (it == impl_->extra_gauges.end()) {
      family = &prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry);
      impl_->extra_gauges.emplace(name, family);
    } else {
      family = it->second;
    }
  }
  family->Add({{std::string(label_key), std::string(label_value)}}).Set(value);
}

void Metrics::increment(const std::string& name, const std::string& help,
                        std::string_view label_key, std::string_view label_value) {
  increment(name, help, {{std::string(label_key), std::string(label_value)}});
}

void Metrics::increment(const std::string& name, const std::string& help,
                        const std::map<std::string, std::string>& labels) {
  prometheus::Family<prometheus::Counter>* family = nullptr;
  {
    std::lock_guard lock(impl_->extra_mutex);
    auto it = impl_->extra_counters.find(name);
    if (it == impl_->extra_counters.end()) {
      family = &prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry);
      impl_->extra_counters.emplace(name, family);
    } else {
      family = it->second;
    }
  }
  family->Add(labels).Increment();
}

std::string Metrics::render() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(impl_->registry->Collect());
}

}  // namespace hub::http
