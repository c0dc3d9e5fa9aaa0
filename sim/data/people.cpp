#include "sim/data/people.hpp"

#include "sim/data/identifiers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace sim {

namespace {

// Two-letter, six-digit CNIEs starting A..P are the paired people; Q..Z the couples' children.
constexpr std::uint32_t kCoupleSlots = 16u * 26u * 1000000u;
constexpr std::uint32_t kCouples = kCoupleSlots / 2;
constexpr std::uint32_t kChildSlots = kCnieDenseCount - kCoupleSlots;

// The permutations depend on the seed only; building them costs a gcd and an inverse, so each
// thread keeps the last seed's pair.
struct World {
  std::uint64_t seed;
  AffinePermutation couples;
  AffinePermutation children;
  AffinePermutation second_pairs;  // pairs, among Q..Z, those who are nobody's child
};

const World& world_of(std::uint64_t seed) {
  thread_local std::optional<World> cached;
  if (!cached || cached->seed != seed) {
    cached.emplace(World{seed, AffinePermutation(kCoupleSlots, derive(seed, Tag::structure, 1)),
                         AffinePermutation(kChildSlots, derive(seed, Tag::structure, 2)),
                         AffinePermutation(kChildSlots, derive(seed, Tag::structure, 6))});
  }
  return *cached;
}

bool reserved_index(std::uint32_t dense) {
  const std::uint32_t tail = dense % 1000u;
  return tail == 0 || tail >= 996;
}

template <class T>
const T& pick(Rng& r, std::span<const T> table) {
  return table[r.below(static_cast<std::uint32_t>(table.size()))];
}

int days_between(const Date& a, const Date& b) {
  return b.days() - a.days();
}

Date min_date(const Date& a, const Date& b) {
  return b < a ? b : a;
}
Date max_date(const Date& a, const Date& b) {
  return a < b ? b : a;
}

// A birth date for someone exactly `age` on the reference date.
Date birth_for_age(Rng& r, int age) {
  return kReferenceDate.plus_years(-age).plus_days(-r.between(0, 364));
}

// A day in [lo, hi]; lo when the range is empty.
Date day_between(Rng& r, const Date& lo, const Date& hi) {
  return lo.plus_days(r.between(0, std::max(0, days_between(lo, hi))));
}

Date yesterday() {
  return kReferenceDate.plus_days(-1);
}

Date adult_death(Rng& r, const Date& birth) {
  return day_between(r, max_date(birth.plus_years(18), kReferenceDate.plus_years(-15)),
                     yesterday());
}

struct CoupleFacts {
  std::uint32_t id = 0;
  std::uint32_t husband = 0;  // dense CNIE indexes
  std::uint32_t wife = 0;
  bool married = false;
  Date husband_birth;
  Date wife_birth;
  std::optional<Date> husband_death;
  std::optional<Date> wife_death;
  Date married_on;
  Situation situation = Situation::marie;
  std::optional<Date> dissolved;
  unsigned commune = 0;
  std::uint32_t act = 0;
};

// `eligible`: whether the pair may marry at all (a reserved number must never appear as
// someone's spouse, so its pair stays unmarried).
CoupleFacts facts_of(const World& w, std::uint32_t id, std::uint32_t husband, std::uint32_t wife,
                     bool eligible) {
  CoupleFacts f;
  f.id = id;
  f.husband = husband;
  f.wife = wife;
  Rng r(derive(w.seed, Tag::couple, id));
  f.married = r.chance(720) && eligible;
  if (!f.married) {
    f.husband_birth = birth_for_age(r, r.between(18, 75));
    f.wife_birth = birth_for_age(r, r.between(18, 75));
    if (r.chance(20)) f.husband_death = adult_death(r, f.husband_birth);
    if (r.chance(20)) f.wife_death = adult_death(r, f.wife_birth);
    return f;
  }
  const int husband_age = r.between(21, 75);
  const int wife_age = std::max(18, husband_age - r.between(0, 10));
  f.husband_birth = birth_for_age(r, husband_age);
  f.wife_birth = birth_for_age(r, wife_age);
  const int wife_age_at_marriage = r.between(18, std::min(35, wife_age));
  f.married_on = f.wife_birth.plus_years(wife_age_at_marriage).plus_days(r.between(0, 300));
  f.married_on = max_date(min_date(f.married_on, yesterday()), f.wife_birth.plus_years(18));
  f.commune = r.below(static_cast<std::uint32_t>(tables::communes().size()));
  f.act = static_cast<std::uint32_t>(r.between(1, 2500));
  const unsigned roll = r.below(1000);
  if (days_between(f.married_on, kReferenceDate) < 400 || roll < 800) return f;
  f.situation = roll < 920 ? Situation::divorce : Situation::veuf;
  f.dissolved = day_between(r, f.married_on.plus_days(365), yesterday());
  if (f.situation == Situation::veuf) {
    (r.chance(650) ? f.husband_death : f.wife_death) = f.dissolved;
  }
  return f;
}

CoupleFacts couple_facts(const World& w, std::uint32_t id) {
  const auto husband = static_cast<std::uint32_t>(w.couples.inverse(2ull * id));
  const auto wife = static_cast<std::uint32_t>(w.couples.inverse(2ull * id + 1));
  return facts_of(w, id, husband, wife, !reserved_index(husband) && !reserved_index(wife));
}

struct Lineage {
  tables::Name last;
  tables::Name first;
  tables::Name father_first;
  tables::Name mother_first;
  tables::Name mother_last;
  unsigned birth_commune = 0;
  std::uint32_t birth_act = 0;
};

Person build_person(const World& w, std::string cnie, Sex sex, Date birth,
                    std::optional<Date> death, const Lineage* lineage) {
  Rng r(derive(w.seed, Tag::person, stable_hash(cnie)));
  const auto communes = static_cast<std::uint32_t>(tables::communes().size());
  Person p;
  p.cnie = std::move(cnie);
  p.sex = sex;
  p.birth = birth;
  p.death = death;
  p.last = pick(r, tables::last_names());
  p.first = pick(r, sex == Sex::male ? tables::male_first_names() : tables::female_first_names());
  p.birth_commune = r.below(communes);
  p.birth_act = static_cast<std::uint32_t>(r.between(1, 9000));
  p.father_first = pick(r, tables::male_first_names());
  p.mother_first = pick(r, tables::female_first_names());
  p.mother_last = pick(r, tables::last_names());
  p.commune = r.chance(600) ? p.birth_commune : r.below(communes);
  p.street_number = static_cast<unsigned>(r.between(1, 250));
  p.street = r.below(static_cast<std::uint32_t>(tables::streets().size()));
  p.quarter = r.below(static_cast<std::uint32_t>(tables::quarters().size()));
  p.apartment = r.chance(300) ? static_cast<unsigned>(r.between(1, 40)) : 0;

  // Most cards were issued in the last ten years; the rest have run out.
  const bool current = r.chance(880);
  const int back = current ? r.between(0, 3640) : r.between(3660, 6500);
  const Date earliest = max_date(birth.plus_years(18), Date{2007, 1, 1});
  p.card_issued = max_date(kReferenceDate.plus_days(-back), earliest);
  p.card_issued = min_date(p.card_issued, yesterday());
  p.card_expires = p.card_issued.plus_years(10).plus_days(-1);
  const unsigned roll = r.below(1000);
  if (death) {
    p.card_state = CardState::annulee;
  } else if (p.card_expires < kReferenceDate) {
    p.card_state = CardState::expiree;
  } else {
    p.card_state = roll < 960   ? CardState::valide
                   : roll < 980 ? CardState::perdue
                   : roll < 990 ? CardState::volee
                                : CardState::annulee;
  }
  if (lineage != nullptr) {
    p.last = lineage->last;
    p.first = lineage->first;
    p.father_first = lineage->father_first;
    p.mother_first = lineage->mother_first;
    p.mother_last = lineage->mother_last;
    p.birth_commune = lineage->birth_commune;
    p.birth_act = lineage->birth_act;
  }
  return p;
}

Person couple_member(const World& w, const CoupleFacts& f, bool husband) {
  return husband ? build_person(w, cnie_of_dense_index(f.husband), Sex::male, f.husband_birth,
                                f.husband_death, nullptr)
                 : build_person(w, cnie_of_dense_index(f.wife), Sex::female, f.wife_birth,
                                f.wife_death, nullptr);
}

int draw_child_count(Rng& r) {
  static constexpr unsigned kCumulative[] = {150, 350, 600, 800, 900, 960, 1000};
  const unsigned roll = r.below(1000);
  int n = 0;
  while (roll >= kCumulative[n]) ++n;
  return n;
}

// Children born between `from` and `until`, while the mother is under 45.
void draw_children(Rng& r, int count, tables::Name last, const Date& mother_birth, const Date& from,
                   const Date& until, unsigned commune, std::vector<Child>& out) {
  const Date latest = min_date(min_date(until, mother_birth.plus_years(45)), yesterday());
  Date next = from.plus_days(r.between(280, 700));
  for (int k = 0; k < count && next <= latest; ++k) {
    Child c;
    c.last = last;
    c.sex = r.chance(500) ? Sex::male : Sex::female;
    c.first =
        pick(r, c.sex == Sex::male ? tables::male_first_names() : tables::female_first_names());
    c.birth = next;
    c.birth_act = static_cast<std::uint32_t>(r.between(1, 6000));
    c.birth_commune =
        r.chance(700) ? commune : r.below(static_cast<std::uint32_t>(tables::communes().size()));
    if (r.chance(25)) c.death = day_between(r, c.birth, yesterday());
    out.push_back(c);
    next = next.plus_days(r.between(330, 1600));
  }
}

std::vector<Child> couple_children(const World& w, const CoupleFacts& f, tables::Name last) {
  std::vector<Child> kids;
  if (!f.married) return kids;
  Rng r(derive(w.seed, Tag::children, f.id));
  const int count = draw_child_count(r);
  Date until = f.dissolved.value_or(kReferenceDate);
  if (f.husband_death && f.dissolved) until = until.plus_days(270);
  draw_children(r, count, last, f.wife_birth, f.married_on, until, f.commune, kids);
  // Only the eldest of a first-range couple can be reached back from the couple, so only that
  // child gets a card.
  if (f.id < kCouples && !kids.empty() && age_on(kids[0].birth, kReferenceDate) >= 18 &&
      !kids[0].death) {
    const auto dense = static_cast<std::uint32_t>(kCoupleSlots + w.children.forward(f.id));
    if (!reserved_index(dense)) kids[0].cnie = cnie_of_dense_index(dense);
  }
  return kids;
}

// Whether slot m of the Q..Z range is the card of a couple's eldest child.
bool is_couples_child(const World& w, std::uint32_t m) {
  const std::uint64_t id = w.children.inverse(m);
  if (id >= kCouples) return false;
  const CoupleFacts f = couple_facts(w, static_cast<std::uint32_t>(id));
  // The family name does not change which children are drawn.
  const std::vector<Child> kids = couple_children(w, f, tables::Name{});
  return !kids.empty() && kids[0].cnie == cnie_of_dense_index(kCoupleSlots + m);
}

struct Resolved {
  Sex sex = Sex::male;
  Date birth;
  std::optional<Date> death;
  std::optional<CoupleFacts> couple;  // set for a paired person
  std::optional<Lineage> lineage;     // set for a couple's child
};

Resolved resolve(const World& w, std::string_view cnie) {
  Resolved out;
  const auto dense = dense_cnie_index(cnie);
  if (dense && *dense < kCoupleSlots) {
    const std::uint64_t slot = w.couples.forward(*dense);
    const CoupleFacts f = couple_facts(w, static_cast<std::uint32_t>(slot >> 1));
    const bool husband = (slot & 1) == 0;
    out.sex = husband ? Sex::male : Sex::female;
    out.birth = husband ? f.husband_birth : f.wife_birth;
    out.death = husband ? f.husband_death : f.wife_death;
    out.couple = f;
    return out;
  }
  if (dense) {
    const std::uint32_t m = *dense - kCoupleSlots;
    const std::uint64_t id = w.children.inverse(m);
    if (id < kCouples) {
      const CoupleFacts f = couple_facts(w, static_cast<std::uint32_t>(id));
      if (f.married) {
        const Person father = couple_member(w, f, true);
        const Person mother = couple_member(w, f, false);
        const std::vector<Child> kids = couple_children(w, f, father.last);
        if (!kids.empty() && kids[0].cnie == cnie) {
          out.sex = kids[0].sex;
          out.birth = kids[0].birth;
          out.lineage = Lineage{father.last, kids[0].first,         father.first,     mother.first,
                                mother.last, kids[0].birth_commune, kids[0].birth_act};
          return out;
        }
      }
    }
    // Nobody's child: paired with another of the range who is nobody's child either.
    const std::uint64_t slot = w.second_pairs.forward(m);
    const auto partner = static_cast<std::uint32_t>(w.second_pairs.inverse(slot ^ 1));
    const bool husband = (slot & 1) == 0;
    const std::uint32_t partner_dense = kCoupleSlots + partner;
    const bool eligible =
        !reserved_index(*dense) && !reserved_index(partner_dense) && !is_couples_child(w, partner);
    const CoupleFacts f =
        facts_of(w, kCouples + static_cast<std::uint32_t>(slot >> 1),
                 husband ? *dense : partner_dense, husband ? partner_dense : *dense, eligible);
    out.sex = husband ? Sex::male : Sex::female;
    out.birth = husband ? f.husband_birth : f.wife_birth;
    out.death = husband ? f.husband_death : f.wife_death;
    out.couple = f;
    return out;
  }
  Rng r(derive(w.seed, Tag::structure, stable_hash(cnie)));
  out.sex = r.chance(500) ? Sex::male : Sex::female;
  out.birth = birth_for_age(r, r.between(18, 75));
  if (r.chance(20)) out.death = adult_death(r, out.birth);
  return out;
}

// An unmarried, living person of that sex born in [lo, hi], from the paired range so that they
// have no booklet of their own contradicting the union.
std::optional<std::uint32_t> find_single(const World& w, Rng& r, Sex sex, const Date& lo,
                                         const Date& hi) {
  const std::uint64_t want = sex == Sex::male ? 0 : 1;
  for (int tries = 0; tries < 400; ++tries) {
    const std::uint32_t n = r.below(kCoupleSlots);
    const std::uint64_t slot = w.couples.forward(n);
    if ((slot & 1) != want || reserved_index(n)) continue;
    const CoupleFacts f = couple_facts(w, static_cast<std::uint32_t>(slot >> 1));
    if (f.married) continue;
    const Date birth = want == 0 ? f.husband_birth : f.wife_birth;
    const bool dead = want == 0 ? f.husband_death.has_value() : f.wife_death.has_value();
    if (dead || birth < lo || hi < birth) continue;
    return n;
  }
  return std::nullopt;
}

Person single_person(const World& w, std::uint32_t dense) {
  const std::uint64_t slot = w.couples.forward(dense);
  const CoupleFacts f = couple_facts(w, static_cast<std::uint32_t>(slot >> 1));
  return couple_member(w, f, (slot & 1) == 0);
}

// A union the other spouse's booklet does not know about: a remarriage, a further wife, or the
// marriage of someone outside the paired range.
bool add_one_sided_union(const World& w, Rng& r, const Person& holder, const Date& earliest,
                         std::uint64_t union_seed, Family& fam) {
  const Date latest = yesterday();
  if (latest < earliest) return false;
  const Date married = day_between(r, earliest, latest);
  const Sex other = holder.sex == Sex::male ? Sex::female : Sex::male;
  const Date lo = holder.birth.plus_years(-12);
  const Date hi = min_date(holder.birth.plus_years(12), married.plus_years(-18));
  const auto spouse_index = find_single(w, r, other, lo, hi);
  if (!spouse_index) return false;
  Spouse s;
  s.person = single_person(w, *spouse_index);
  s.married = married;
  s.marriage_act = static_cast<std::uint32_t>(r.between(1, 2500));
  s.marriage_commune = holder.commune;
  if (days_between(married, kReferenceDate) > 800 && r.chance(150)) {
    s.situation = Situation::divorce;
    s.dissolved = day_between(r, married.plus_days(365), yesterday());
  }
  Rng kids(union_seed);
  const Person& husband = holder.sex == Sex::male ? holder : s.person;
  const Person& wife = holder.sex == Sex::male ? s.person : holder;
  draw_children(kids, kids.between(0, 3), husband.last, wife.birth, married,
                s.dissolved.value_or(kReferenceDate), s.marriage_commune, fam.children);
  fam.spouses.push_back(std::move(s));
  return true;
}

}  // namespace

std::string_view to_string(CardState s) {
  switch (s) {
    case CardState::valide:
      return "VALIDE";
    case CardState::expiree:
      return "EXPIREE";
    case CardState::perdue:
      return "PERDUE";
    case CardState::volee:
      return "VOLEE";
    case CardState::annulee:
      return "ANNULEE";
  }
  return "VALIDE";
}

std::string_view to_string(Situation s) {
  switch (s) {
    case Situation::marie:
      return "MARIE";
    case Situation::divorce:
      return "DIVORCE";
    case Situation::veuf:
      return "VEUF";
  }
  return "MARIE";
}

std::string Person::address_line() const {
  std::string s;
  append_padded(s, street_number, 1);
  s += ", ";
  s += tables::streets()[street];
  s += ", ";
  s += tables::quarters()[quarter];
  return s;
}

std::string Person::address_extra() const {
  if (apartment == 0) return {};
  std::string s = "Appartement ";
  append_padded(s, apartment, 1);
  s += ", immeuble ";
  append_padded(s, street_number % 17 + 1, 1);
  return s;
}

std::string title_case(std::string_view latin) {
  std::string s(latin);
  bool start = true;
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z' && !start) c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z' && start) c = static_cast<char>(c - 'a' + 'A');
    start = c == ' ' || c == '-' || c == '\'';
  }
  return s;
}

Disagreement disagreement_of(std::string_view cnie, double share) {
  const std::string_view digits = cnie_digits(cnie);
  if (digits.empty()) return Disagreement::none;
  const std::string_view last = digits.size() >= 2 ? digits.substr(digits.size() - 2) : digits;
  int n = 0;
  for (char c : last) n = n * 10 + (c - '0');
  const int selected = static_cast<int>(std::lround(std::clamp(share, 0.0, 1.0) * 100));
  if (n >= selected) return Disagreement::none;
  return n % 2 == 0 ? Disagreement::last_name : Disagreement::birth_date;
}

std::string misspelt(std::string_view latin) {
  std::string s(latin);
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == s[i - 1] && s[i] != ' ') {
      s.erase(i, 1);
      return s;
    }
  }
  static constexpr std::string_view kVowels = "AEIOUY ";
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (kVowels.find(static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])))) ==
        std::string_view::npos) {
      s.insert(i, 1, s[i]);
      return s;
    }
  }
  return s + "E";
}

Date misdated(const Date& birth) {
  return birth.plus_years(1);
}

Person person_of(std::uint64_t seed, std::string_view cnie) {
  const World& w = world_of(seed);
  const Resolved r = resolve(w, cnie);
  return build_person(w, std::string(cnie), r.sex, r.birth, r.death,
                      r.lineage ? &*r.lineage : nullptr);
}

Family family_of(std::uint64_t seed, std::string_view cnie) {
  const World& w = world_of(seed);
  const Resolved res = resolve(w, cnie);
  Family fam;
  fam.holder = build_person(w, std::string(cnie), res.sex, res.birth, res.death,
                            res.lineage ? &*res.lineage : nullptr);
  const Person& holder = fam.holder;
  Rng extra(derive(seed, Tag::union_extra, stable_hash(cnie)));
  const std::uint64_t union_seed = extra.next();

  if (res.couple) {
    const CoupleFacts& f = *res.couple;
    if (!f.married) return fam;  // the unmarried stay so: others' second unions draw on them
    const bool is_husband = holder.sex == Sex::male;
    Spouse s;
    s.person = couple_member(w, f, !is_husband);
    s.married = f.married_on;
    s.marriage_act = f.act;
    s.marriage_commune = f.commune;
    s.situation = f.situation;
    s.dissolved = f.dissolved;
    const tables::Name family_name = is_husband ? holder.last : s.person.last;
    fam.spouses.push_back(std::move(s));
    fam.children = couple_children(w, f, family_name);
    if (is_husband && f.situation == Situation::marie && extra.chance(20)) {
      const int wives = extra.between(1, 3);
      for (int k = 0; k < wives; ++k) {
        add_one_sided_union(w, extra, holder, f.married_on.plus_days(365), union_seed + k, fam);
      }
    } else if (f.dissolved && !holder.death && extra.chance(is_husband ? 350 : 200)) {
      add_one_sided_union(w, extra, holder, f.dissolved->plus_days(180), union_seed, fam);
    }
    return fam;
  }
  if (!holder.death && age_on(holder.birth, kReferenceDate) >= 22 && extra.chance(550)) {
    add_one_sided_union(w, extra, holder, holder.birth.plus_years(20), union_seed, fam);
  }
  return fam;
}

Person pick_living_adult(std::uint64_t seed, Rng& rng, Date born_by) {
  const World& w = world_of(seed);
  std::string cnie;
  for (int tries = 0; tries < 256; ++tries) {
    // From the paired range: resolving one there is cheapest.
    const std::uint32_t n = rng.below(kCoupleSlots);
    if (reserved_index(n)) continue;
    cnie = cnie_of_dense_index(n);
    const Resolved r = resolve(w, cnie);
    if (r.death || born_by < r.birth) continue;
    return build_person(w, cnie, r.sex, r.birth, r.death, r.lineage ? &*r.lineage : nullptr);
  }
  return person_of(seed, cnie);
}

Couple pick_married_couple(std::uint64_t seed, Rng& rng, bool fertile) {
  const World& w = world_of(seed);
  CoupleFacts f;
  for (int tries = 0; tries < 1000; ++tries) {
    f = couple_facts(w, rng.below(kCouples));
    if (!f.married || f.situation != Situation::marie || f.husband_death || f.wife_death) continue;
    if (fertile && age_on(f.wife_birth, kReferenceDate) > 43) continue;
    break;
  }
  return Couple{couple_member(w, f, true), couple_member(w, f, false), f.married_on, f.act,
                f.commune};
}

Couple pick_engaged_pair(std::uint64_t seed, Rng& rng) {
  const World& w = world_of(seed);
  const Date lo = kReferenceDate.plus_years(-60);
  const Date hi = kReferenceDate.plus_years(-20);
  const auto man = find_single(w, rng, Sex::male, lo, hi);
  const auto woman = find_single(w, rng, Sex::female, lo, hi);
  Couple c;
  c.husband = single_person(w, man.value_or(0));
  c.wife = single_person(w, woman.value_or(1));
  c.married = kReferenceDate;
  c.marriage_act = static_cast<std::uint32_t>(rng.between(1, 2500));
  c.marriage_commune = c.husband.commune;
  return c;
}

}  // namespace sim
