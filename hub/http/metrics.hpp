// The hub's Prometheus metrics (prometheus-cpp core), served as text on GET /metrics.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace hub::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void request_done(std::string_view listener, std::string_view route, std::string_view method,
                    unsigned status, std::chrono::nanoseconds latency);
  void connection_opened(std::string_view listener);
  void connection_closed(std::string_view listener);
  void connection_refused(std::string_view listener, std::string_view reason);
  // Closed by the hub once admitted: to make room (idle_pre_handshake, stalled_handshake), or
  // because its client's certificate no longer verifies after a TLS reload (revoked,
  // no_longer_trusted).
  void connection_evicted(std::string_view listener, std::string_view reason);
  // Connections accepted whose TLS handshake has not ended: +1 on accept, -1 when it ends.
  void pre_handshake_changed(std::string_view listener, int delta);
  void handshake_failed(std::string_view listener, std::string_view reason);
  void partner_call(std::string_view partner, std::string_view outcome,
                    std::chrono::nanoseconds latency);
  void partner_handshake(std::string_view partner, bool resumed);
  void certificate_expiry(std::string_view role, std::string_view subject,
                          std::chrono::system_clock::time_point not_after);
  // A counter other parts increment by one (name must be a valid metric name ending in _total).
  void increment(const std::string& name, const std::string& help, std::string_view label_key,
                 std::string_view label_value);
  void increment(const std::string& name, const std::string& help,
                 const std::map<std::string, std::string>& labels);
  // A gauge set by other parts (circuit breakers, ...): name must be a valid metric name.
  void set_gauge(const std::string& name, const std::string& help, std::string_view label_key,
                 std::string_view label_value, double value);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

  prometheus::Registry& registry();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::http
