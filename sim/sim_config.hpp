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
  // How answers are coded when the hub's Accept-Encoding allows it: identity | gzip | deflate |
  // deflate_raw (sent as "deflate" but without the zlib wrapper, as some servers do).
  std::string encoding = "identity";
  double bomb_rate = 0;  // share of answers replaced by a gzip decompression bomb (64 MiB of zeros)
  // Retry-After on 429 answers: seconds | imf_fixdate | rfc850 | asctime (RFC 9110 5.6.7), saying
  // retry_after_s from now (a date may be in the past: negative).
  std::string retry_after = "seconds";
  double retry_after_s = 1;
  // Share of answers whose texts carry no-break spaces for spaces and right-to-left marks around
  // Arabic, as a partner's forms leave them (DGSN's XML, DGCT's JSON; the facts do not change).
  double invisible_marks_rate = 0;
  // Share of XML answers whose texts are cut in two by a comment, the second piece in a CDATA
  // section (where it holds no entity), as some partners' serialisers write them.
  double split_text_rate = 0;
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
