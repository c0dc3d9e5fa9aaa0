// cnss-sim push dgct|ompic|anrc: delivers events to the hub the way the contracts say partners do —
// at least once (duplicates), in any order (shuffle), retrying until a 2xx — and records what it
// sent, so that a test can prove nothing was lost or applied twice.
#pragma once

#include <cstdint>
#include <string>

#include "sim/sim_config.hpp"

namespace sim {

struct PushOptions {
  std::string partner;  // one that pushes events (sim/partners.hpp)
  std::string to;       // https://host:port of the hub's partner listener
  double rate = 20;     // deliveries per second
  std::size_t count = 10;
  double duplicate_rate = 0.1;  // share of events delivered twice
  double shuffle = 0.2;         // share of events moved out of order
  std::uint64_t stream_seed = 1;
  std::string out;               // JSON lines of what was sent ("" = none)
  double give_up_after_s = 120;  // stop retrying after this long
  std::size_t concurrency = 4;
};

int push(const SimConfig& config, const PushOptions& options);

}  // namespace sim
