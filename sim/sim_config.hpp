// conf/sim.yaml: the simulators' listeners, seed, variation, fault injection and pushers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/config/config.hpp"

namespace sim {

struct Faults {
  double latency_ms = 0;
  std::string jitter = "none";  // none | uniform | exponential
  double jitter_ms = 0;
  double error_rate = 0;
  double malformed_rate = 0;
  double reset_rate = 0;
  double slow_body_rate = 0;
  double slow_body_ms = 50;
};

struct RateLimit {
  double per_second = 0;  // 0: none
  double burst = 0;
};

struct PartnerListener {
  std::string name;  // a simulated partner (sim/partners.hpp)
  std::uint16_t port = 0;
  std::string certificate, key, client_ca, crl;
  std::optional<Faults> faults;
  RateLimit rate_limit;
};

struct PushIdentity {
  std::string certificate, key;
};

struct SimConfig {
  std::uint64_t seed = 20261127;
  bool strict = false;
  double conflict_share = 0;  // sim::Options::conflict_share
  std::size_t threads = 2;
  std::string address = "127.0.0.1";
  std::vector<PartnerListener> partners;
  Faults faults;
  std::string hub_ca;
  std::map<std::string, PushIdentity> push;
};

struct SimLoad {
  std::optional<SimConfig> config;
  std::vector<hub::config::Problem> problems;
};

SimLoad load_sim_config(const std::string& file);

}  // namespace sim
