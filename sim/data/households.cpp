#include "sim/data/households.hpp"

#include "sim/data/people.hpp"

#include <algorithm>

namespace sim {

namespace {

constexpr unsigned kRegisteredPerMille = 600;  // partners/anrc.md: about 40 % are in none
constexpr unsigned kEligiblePerMille = 500;    // ...and about half of the others are eligible
constexpr Date kRegisterOpened{2018, 6, 1};

bool alive_spouse(const Spouse& s) {
  return s.situation == Situation::marie && !s.person.death;
}

// Whether `cnie`'s booklet names `spouse_cnie` as a living spouse still married to them.
bool names_back(const Family& f, std::string_view spouse_cnie) {
  return std::any_of(f.spouses.begin(), f.spouses.end(), [&](const Spouse& s) {
    return s.person.cnie == spouse_cnie && alive_spouse(s);
  });
}

// The family of the head of `cnie`'s household; none for the dead.
std::optional<Family> head_family(std::uint64_t seed, std::string_view cnie, bool even_dead) {
  Family own = family_of(seed, cnie);
  if (own.holder.death && !even_dead) return std::nullopt;
  if (own.holder.sex == Sex::female) {
    for (const Spouse& s : own.spouses) {
      if (!alive_spouse(s)) continue;
      Family husband = family_of(seed, s.person.cnie);
      if (names_back(husband, cnie)) return husband;
    }
  }
  return own;
}

HouseholdMember member(const Person& p, Lien lien) {
  return HouseholdMember{p.cnie, p.last, p.first, p.birth, lien};
}

std::vector<HouseholdMember> members_of(std::uint64_t seed, const Family& head, Rng& r) {
  std::vector<HouseholdMember> out{member(head.holder, Lien::chef)};
  if (head.holder.sex == Sex::male) {
    for (const Spouse& s : head.spouses) {
      if (!alive_spouse(s)) continue;
      Family wife = family_of(seed, s.person.cnie);
      if (names_back(wife, head.holder.cnie)) out.push_back(member(wife.holder, Lien::conjoint));
    }
  }
  for (const Child& c : head.children) {
    if (c.death || !c.cnie.empty() || age_on(c.birth, kReferenceDate) >= 25) continue;
    out.push_back(HouseholdMember{{}, c.last, c.first, c.birth, Lien::enfant});
  }
  const Person& h = head.holder;
  if (age_on(h.birth, kReferenceDate) <= 55 && r.chance(80)) {
    const Date born = h.birth.plus_years(-r.between(18, 40)).plus_days(-r.between(0, 364));
    out.push_back(HouseholdMember{{}, h.mother_last, h.mother_first, born, Lien::ascendant});
  }
  return out;
}

Date day_between(Rng& r, const Date& lo, const Date& hi) {
  return lo.plus_days(r.between(0, std::max(0, hi.days() - lo.days())));
}

// About half at or under the threshold (one in a hundred exactly on it); a fifth written with
// fewer than seven decimals, rounded away from the threshold so that eligibility stays as drawn.
Decimal7 index_for(Rng& r, bool eligible) {
  const std::uint32_t t = kTadamonThreshold.scaled;
  std::uint32_t v =
      eligible ? (r.chance(10) ? t : t - r.below(40'000'000)) : t + 1 + r.below(40'000'000);
  if (r.chance(200)) {
    std::uint32_t step = 10;
    for (int k = r.between(1, 6); k > 1; --k) step *= 10;
    v = eligible ? v / step * step : (v + step - 1) / step * step;
  }
  return Decimal7{v};
}

}  // namespace

std::string_view to_string(Lien l) {
  switch (l) {
    case Lien::chef:
      return "CHEF";
    case Lien::conjoint:
      return "CONJOINT";
    case Lien::enfant:
      return "ENFANT";
    case Lien::ascendant:
      return "ASCENDANT";
    case Lien::autre:
      break;
  }
  return "AUTRE";
}

std::string to_string(Decimal7 d, bool trim) {
  std::string out;
  append_padded(out, d.scaled / 10'000'000u, 1);
  std::string decimals;
  append_padded(decimals, d.scaled % 10'000'000u, 7);
  if (trim) {
    while (!decimals.empty() && decimals.back() == '0') decimals.pop_back();
  }
  if (!decimals.empty()) out += '.' + decimals;
  return out;
}

std::optional<Household> household_of(std::uint64_t seed, std::string_view cnie,
                                      bool registered_anyway) {
  const std::optional<Family> head = head_family(seed, cnie, registered_anyway);
  if (!head) return std::nullopt;
  const Person& h = head->holder;
  Rng r(derive(seed, Tag::household, stable_hash(h.cnie)));
  if (!r.chance(kRegisteredPerMille) && !registered_anyway) return std::nullopt;
  Household out;
  out.head_cnie = h.cnie;
  const Date adult = h.birth.plus_years(18);
  out.registered = day_between(r, kRegisterOpened < adult ? adult : kRegisterOpened,
                               kReferenceDate.plus_days(-30));
  out.id = "M-";
  append_padded(out.id, static_cast<unsigned>(out.registered.year), 4);
  out.id += '-';
  append_padded(out.id, r.below(100'000'000u), 8);
  const Date recomputed{2025, 1, 1};
  out.index_date = day_between(r, out.registered < recomputed ? recomputed : out.registered,
                               kReferenceDate.plus_days(-1));
  out.tadamon_eligible = r.chance(kEligiblePerMille);
  out.index = index_for(r, out.tadamon_eligible);
  out.tadamon_since =
      r.chance(700) ? out.index_date : day_between(r, out.registered, out.index_date);
  out.updated = day_between(r, out.index_date, kReferenceDate);
  out.updated_minute = r.below(24 * 60);
  out.members = members_of(seed, *head, r);
  return out;
}

Household pick_registered_household(std::uint64_t seed, Rng& rng) {
  // Each try finds a registered household with a probability of about 0.6.
  for (;;) {
    const Person p = pick_living_adult(seed, rng, kReferenceDate.plus_years(-18));
    if (std::optional<Household> h = household_of(seed, p.cnie)) return std::move(*h);
  }
}

}  // namespace sim
