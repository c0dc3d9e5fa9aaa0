// The simulated partners by name: the one list that `cnss-sim serve`, `cnss-sim push` and
// conf/sim.yaml are checked against. A new partner is its handler under sim/data/ and one line
// in sim/partners.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/data/events.hpp"
#include "sim/data/handlers.hpp"

namespace sim {

struct SimulatedPartner {
  std::string_view name;
  Reply (*handle)(const Request&, const Options&);
  // The partner's own "internal error" answer, served for injected errors (faults.error_rate).
  Reply (*unavailable)();
  // Its 429 with Retry-After, served over the configured quota (rate_limit).
  Reply (*over_quota)();
  // The events it pushes to CNSS (cnss-sim push); nullptr when it pushes none.
  std::vector<Event> (*events)(std::uint64_t stream_seed, std::size_t count,
                               const Options& options);
};

std::span<const SimulatedPartner> simulated_partners();
// nullptr for a name that is not simulated.
const SimulatedPartner* simulated_partner(std::string_view name);
// "dgsn, dgct, ..." for messages; only those that push events when `pushers` is set.
std::string simulated_partner_names(bool pushers = false);

}  // namespace sim
