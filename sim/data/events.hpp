// The events DGCT and OMPIC push to CNSS (partners/dgct.md, partners/ompic.md), about people and
// companies that exist in the synthetic world: a birth's parents resolve at DGSN, a created
// company's ICE resolves at OMPIC to the same company.
#pragma once

#include "sim/data/handlers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

struct Event {
  std::string id;            // evenementId / id attribute: unique within a stream, stable
  std::string content_type;  // what the pusher sends as Content-Type
  std::string body;
  std::string type;  // NAISSANCE, MARIAGE, DIVORCE, DECES / CREATION, MODIFICATION, RADIATION
};

// `seed` names the event stream; `options.seed` the world the events are about. Event i of a
// stream is the same whatever `count` is.
std::vector<Event> dgct_events(std::uint64_t seed, std::size_t count, const Options& options);
std::vector<Event> ompic_events(std::uint64_t seed, std::size_t count, const Options& options);

}  // namespace sim
