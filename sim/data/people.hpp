// Synthetic citizens: one CNIE gives one person, the same on every call and every machine, and
// the family booklet of that CNIE names the same person, with spouses whose own CNIEs resolve to
// them.
//
// How spouses stay consistent: the common two-letter, six-digit CNIEs whose first letter is A..P
// are paired by a keyed permutation (π(n) xor 1 is the partner's slot, π(n)'s low bit the sex), and
// everything a couple shares (birth dates, marriage, dissolution, deaths, children) is drawn from
// the pair's own seed. Either spouse's booklet therefore tells the same story. Letters Q..Z hold
// the couples' eldest adult children, reachable from the couple through a second permutation, so
// a child's CNIE resolves to that child, with the parents' names as filiation; the rest of Q..Z
// is paired among itself the same way. Other forms of CNIE are people on their own, whose spouses
// (like second wives) are drawn from the unmarried of the paired range.
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

enum class Sex : char { male = 'M', female = 'F' };
enum class CardState { valide, expiree, perdue, volee, annulee };
enum class Situation { marie, divorce, veuf };

std::string_view to_string(CardState s);
std::string_view to_string(Situation s);
inline char sex_code(Sex s) {
  return static_cast<char>(s);
}

struct Person {
  std::string cnie;
  tables::Name last;
  tables::Name first;
  Sex sex = Sex::male;
  Date birth;
  unsigned birth_commune = 0;
  std::uint32_t birth_act = 0;  // number of the birth act in its year's register
  tables::Name father_first;    // his family name is the person's own
  tables::Name mother_first;
  tables::Name mother_last;
  unsigned street_number = 1;
  unsigned street = 0;
  unsigned quarter = 0;
  unsigned commune = 0;
  unsigned apartment = 0;  // 0: no second address line
  Date card_issued;
  Date card_expires;
  CardState card_state = CardState::valide;
  std::optional<Date> death;

  // "12, rue Ibn Khaldoun, Agdal"
  std::string address_line() const;
  // "Appartement 4, immeuble 7" or empty.
  std::string address_extra() const;
};

struct Spouse {
  Person person;
  Date married;
  std::uint32_t marriage_act = 0;
  unsigned marriage_commune = 0;
  Situation situation = Situation::marie;
  std::optional<Date> dissolved;
};

struct Child {
  tables::Name last;
  tables::Name first;
  Sex sex = Sex::male;
  Date birth;
  std::uint32_t birth_act = 0;
  unsigned birth_commune = 0;
  std::string cnie;  // empty: none
  std::optional<Date> death;
};

struct Family {
  Person holder;
  std::vector<Spouse> spouses;
  std::vector<Child> children;
};

// The person behind a well-formed CNIE. Reserved numbers get a person too: whether to serve one
// is the handlers' decision.
Person person_of(std::uint64_t seed, std::string_view cnie);
Family family_of(std::uint64_t seed, std::string_view cnie);

// Where DGCT's booklet disagrees with DGSN about the person it is asked for: a configurable share
// of people, chosen by a rule on the CNIE so that a test or a demo can pick one
// (Options::conflict_share; docs/simulators.md § Disagreements). Take the CNIE's last two digits
// as n (its only digit when it has one): when n < round(100 × share) the booklet disagrees, on the
// family name when n is even, on the birth date when n is odd. Everything else (spouses, children,
// DGSN's answer) is unchanged.
enum class Disagreement { none, last_name, birth_date };
Disagreement disagreement_of(std::string_view cnie, double share);
// DGCT's spelling of a family name it disagrees on: the first doubled letter written once
// ("BENNANI" -> "BENANI"), else the first consonant after the first letter doubled ("MEKOUAR" ->
// "MEKKOUAR"). Never equal to `latin`, whatever case or spacing a reader ignores.
std::string misspelt(std::string_view latin);
// DGCT's birth date it disagrees on: a year later (a misread digit), so that even DGSN's
// year-only dates ("00/00/1985") disagree with it.
Date misdated(const Date& birth);

// "El Amrani" from "EL AMRANI": how some cards print family names.
std::string title_case(std::string_view latin);

// Picks, for events and company managers, people that exist in the synthetic world.
// A living adult, not reserved, born on or before `born_by`.
Person pick_living_adult(std::uint64_t seed, Rng& rng, Date born_by);
struct Couple {
  Person husband;
  Person wife;
  Date married;
  std::uint32_t marriage_act = 0;
  unsigned marriage_commune = 0;
};
// A couple married today, both alive; when `fertile`, the wife is under 44.
Couple pick_married_couple(std::uint64_t seed, Rng& rng, bool fertile);
// Two living unmarried people of opposite sex, aged 20 to 60.
Couple pick_engaged_pair(std::uint64_t seed, Rng& rng);

}  // namespace sim
