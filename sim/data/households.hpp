// Households of the unified social register (RSU) as ANRC keeps them (partners/anrc.md): who is
// in no registered household, who heads one, its members, its socio-economic index and whether it
// is eligible to AMO Tadamon.
//
// How a household stays the same whoever asks: it is built from its head, and the head of a
// person is found the same way from every member. A married woman whose husband's booklet names
// her back as his wife (DGCT, both alive) belongs to her husband's household; everyone else
// heads their own. The head's household holds the head, the wives who name the head back,
// the living children under 25 who have no CNIE (so that no CNIE is in two households), and
// sometimes the head's mother. Whether a household is registered, its index and its dates
// are drawn from the head's CNIE.
#pragma once

#include "sim/data/calendar.hpp"
#include "sim/data/random.hpp"
#include "sim/data/tables.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

// `lien` in the contract.
enum class Lien { chef, conjoint, enfant, ascendant, autre };
std::string_view to_string(Lien l);

struct HouseholdMember {
  std::string cnie;  // empty: none (children, ascendants)
  tables::Name last;
  tables::Name first;
  Date birth;
  Lien lien = Lien::autre;
};

// A decimal with exactly seven decimals, held as an integer: 93264284 is 9.3264284.
struct Decimal7 {
  std::uint32_t scaled = 0;
  friend bool operator<=(Decimal7 a, Decimal7 b) { return a.scaled <= b.scaled; }
};
// "9.3264284"; with `trim`, trailing zeros go ("9.15", "9"): up to seven decimals, as the
// contract allows.
std::string to_string(Decimal7 d, bool trim);

// AMO Tadamon's published threshold, the same for every household, and since when it applies.
constexpr Decimal7 kTadamonThreshold{93264284};
constexpr Date kTadamonThresholdDate{2026, 6, 30};

struct Household {
  std::string id;  // M-2024-00731455: the registration year, then eight digits
  std::string head_cnie;
  Date registered;
  Decimal7 index;
  Date index_date;  // when the index was last computed
  std::vector<HouseholdMember> members;
  bool tadamon_eligible = false;  // index <= kTadamonThreshold, as ANRC states it
  Date tadamon_since;             // since when the household has been (in)eligible
  Date updated;                   // miseAJour: this day at updated_minute past midnight, UTC
  unsigned updated_minute = 0;
};

// The household of the person behind a well-formed CNIE, or none (NON_INSCRIT): about 40 % of
// people, and the dead. Reserved numbers get an answer too: whether to serve it is the handler's
// decision. `registered_anyway` gives everyone a household: the reserved 997 and 998 numbers,
// whose answer is the normal one degraded (they are unmarried, so nobody else's household shows
// the difference).
std::optional<Household> household_of(std::uint64_t seed, std::string_view cnie,
                                      bool registered_anyway = false);

// A registered household, for the eligibility-change events.
Household pick_registered_household(std::uint64_t seed, Rng& rng);

}  // namespace sim
