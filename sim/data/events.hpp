// The events DGCT, OMPIC and ANRC push to CNSS (partners/dgct.md, partners/ompic.md,
// partners/anrc.md), about people, companies and households that exist in the synthetic world: a
// birth's parents resolve at DGSN, a created company's ICE resolves at OMPIC to the same company,
// an eligibility change names a household ANRC answers for.
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
  // NAISSANCE, MARIAGE, DIVORCE, DECES / CREATION, MODIFICATION, RADIATION /
  // CHANGEMENT_ELIGIBILITE
  std::string type;
};

// `seed` names the event stream; `options.seed` the world the events are about. Event i of a
// stream is the same whatever `count` is.
std::vector<Event> dgct_events(std::uint64_t seed, std::size_t count, const Options& options);
std::vector<Event> ompic_events(std::uint64_t seed, std::size_t count, const Options& options);
// AMO Tadamon eligibility changes: the household as ANRC answers for it today, turning to the
// other side of the threshold on `dateEffet` (after the reference date).
std::vector<Event> anrc_events(std::uint64_t seed, std::size_t count, const Options& options);

}  // namespace sim
