#include "sim/data/companies.hpp"

#include "sim/data/identifiers.hpp"
#include "sim/data/tables.hpp"

#include <algorithm>

namespace sim {

namespace {

constexpr std::uint32_t kEnterpriseBlocks = 1000000;  // e / 1000
constexpr std::uint32_t kFiscalBlocks = 100000;       // IF / 1000
constexpr std::uint32_t kPersonBlocks = 676000;       // dense CNIE / 1000
constexpr std::uint32_t kSelfEmployedBlocks = kFiscalBlocks / 5;

struct Registry {
  std::uint64_t seed;
  AffinePermutation rc;             // enterprise block -> tribunal and RC block
  AffinePermutation fiscal;         // IF block -> enterprise block
  AffinePermutation self_employed;  // IF person block -> CNIE block
};

const Registry& registry_of(std::uint64_t seed) {
  thread_local std::optional<Registry> cached;
  if (!cached || cached->seed != seed) {
    cached.emplace(Registry{seed,
                            AffinePermutation(kEnterpriseBlocks, derive(seed, Tag::structure, 3)),
                            AffinePermutation(kEnterpriseBlocks, derive(seed, Tag::structure, 4)),
                            AffinePermutation(kPersonBlocks, derive(seed, Tag::structure, 5))});
  }
  return *cached;
}

unsigned tribunal_count() {
  return static_cast<unsigned>(tables::tribunals().size());
}

template <class T>
unsigned pick_index(Rng& r, std::span<const T> table) {
  return r.below(static_cast<std::uint32_t>(table.size()));
}

bool reserved_suffix(std::uint32_t v) {
  const std::uint32_t tail = v % 1000u;
  return tail == 0 || tail >= 996;
}

Date yesterday() {
  return kReferenceDate.plus_days(-1);
}

Date day_between(Rng& r, const Date& lo, const Date& hi) {
  return lo.plus_days(r.between(0, std::max(0, hi.days() - lo.days())));
}

// The first draw of a company's stream decides whether it is newly registered, so that events
// can look for new companies without generating them whole.
bool newly_registered(Rng& r) {
  return r.chance(20);
}

unsigned draw_form(Rng& r) {
  // SARL, SARLAU, SA, SNC, SCS, SCA, GIE, PP, SUCC
  static constexpr unsigned kCumulative[] = {430, 680, 750, 765, 775, 780, 790, 940, 1000};
  const unsigned roll = r.below(1000);
  unsigned i = 0;
  while (roll >= kCumulative[i]) ++i;
  return i;
}

std::uint64_t draw_capital(Rng& r, std::string_view form) {
  static constexpr std::uint64_t kSmall[] = {10000, 50000, 100000, 200000, 500000, 1000000};
  static constexpr std::uint64_t kLarge[] = {300000, 1000000, 5000000, 10000000, 50000000};
  if (form == "PP" || form == "SUCC") return 0;
  if (form == "SA" || form == "SCA") return kLarge[r.below(std::size(kLarge))];
  return kSmall[r.below(std::size(kSmall))];
}

std::string_view quality_for(std::string_view form, std::size_t rank) {
  if (form == "PP") return "EXPLOITANT";
  if (form == "SA") return rank == 0 ? "PDG" : (rank == 1 ? "DG" : "ADMINISTRATEUR");
  if (form == "SCA") return rank == 0 ? "PRESIDENT" : "GERANT";
  if (form == "GIE") return "ADMINISTRATEUR";
  return "GERANT";
}

std::string seat_address(Rng& r) {
  std::string s;
  if (r.chance(350)) {
    s = "Lot ";
    append_padded(s, static_cast<unsigned>(r.between(1, 300)), 1);
    s += ", zone industrielle ";
    s += tables::quarters()[pick_index(r, tables::quarters())];
  } else {
    append_padded(s, static_cast<unsigned>(r.between(1, 400)), 1);
    s += ", ";
    s += tables::streets()[pick_index(r, tables::streets())];
  }
  return s;
}

Manager foreign_manager(Rng& r, std::string_view quality, const Date& appointed) {
  static constexpr tables::Name kNames[][2] = {
      {{"DUPONT", ""}, {"Jean", ""}},     {{"MARTIN", ""}, {"Claire", ""}},
      {{"GARCIA", ""}, {"Maria", ""}},    {{"ROSSI", ""}, {"Marco", ""}},
      {{"MÜLLER", ""}, {"Anna", ""}},     {{"SMITH", ""}, {"John", ""}},
      {{"FERNANDES", ""}, {"Paulo", ""}}, {{"DIALLO", ""}, {"Mamadou", ""}},
  };
  const auto& name = kNames[r.below(std::size(kNames))];
  std::string passport;
  passport.push_back(static_cast<char>('A' + r.below(26)));
  passport.push_back(static_cast<char>('A' + r.below(26)));
  append_padded(passport, r.below(10000000), 7);
  return Manager{{}, std::move(passport), name[0], name[1], quality, appointed};
}

Company generate(std::uint64_t seed, std::uint32_t e, unsigned tribunal, std::string rc_number) {
  Rng r(derive(seed, Tag::company, e));
  Company c;
  c.enterprise = e;
  c.ice = make_ice(e, 0);
  c.tribunal = tribunal;
  c.rc_number = std::move(rc_number);
  const bool fresh = newly_registered(r);
  c.registered = fresh ? kReferenceDate.plus_days(-r.between(1, 45))
                       : day_between(r, Date{1990, 1, 2}, kReferenceDate.plus_days(-46));
  c.form = draw_form(r);
  const std::string_view form = c.form_code();
  c.capital = draw_capital(r, form);
  c.seat_commune = tables::tribunals()[tribunal].commune;
  c.seat_address = seat_address(r);

  const unsigned activity_count = r.chance(600) ? 1 : (r.chance(750) ? 2 : 3);
  while (c.activities.size() < activity_count) {
    const unsigned a = pick_index(r, tables::activities());
    if (std::find(c.activities.begin(), c.activities.end(), a) == c.activities.end()) {
      c.activities.push_back(a);
    }
  }

  std::size_t manager_count = 1;
  if (form == "SARL" || form == "SNC" || form == "SCS" || form == "SCA") {
    manager_count = static_cast<std::size_t>(r.between(1, 2));
  } else if (form == "SA" || form == "GIE" || form == "SUCC") {
    manager_count = static_cast<std::size_t>(r.between(1, 3));
  }
  for (std::size_t i = 0; i < manager_count; ++i) {
    const Date appointed = i == 0 ? c.registered : day_between(r, c.registered, yesterday());
    // A foreign company's branch is often run by a foreigner, who has no CNIE.
    if (form == "SUCC" && r.chance(500)) {
      c.managers.push_back(foreign_manager(r, quality_for(form, i), appointed));
      continue;
    }
    const Person p = pick_living_adult(seed, r, c.registered.plus_years(-20));
    c.managers.push_back(Manager{p.cnie, {}, p.last, p.first, quality_for(form, i), appointed});
  }

  const tables::Activity& principal = tables::activities()[c.activities[0]];
  const std::string_view word = tables::company_words()[pick_index(r, tables::company_words())];
  if (form == "PP") {
    c.name = std::string(c.managers[0].last.latin) + " " + std::string(c.managers[0].first.latin);
  } else {
    c.name = std::string(word) + " " + std::string(principal.trade_word);
    if (form == "SUCC") {
      c.name += " MAROC";
    } else if (form == "GIE") {
      c.name = "GIE " + c.name;
    } else {
      c.name += " " + std::string(form);
    }
    if (r.chance(500)) {
      c.acronym = std::string(word.substr(0, 2)) + std::string(principal.trade_word.substr(0, 3));
    }
  }

  const unsigned roll = r.below(1000);
  const unsigned establishments = roll < 600 ? 0 : roll < 850 ? 1 : roll < 950 ? 2 : 3;
  for (unsigned k = 1; k <= establishments; ++k) {
    c.establishments.push_back(
        Establishment{make_ice(e, k), seat_address(r), pick_index(r, tables::communes())});
  }

  const unsigned status = r.below(1000);
  c.status_date = c.registered;
  if (!fresh && status >= 900) {
    c.status = status < 940 ? CompanyStatus::liquidation : CompanyStatus::struck_off;
    c.status_date = day_between(r, c.registered.plus_days(30), yesterday());
  }
  c.extract_second = r.below(86400);
  return c;
}

std::string rc_number_of(std::uint32_t block, std::uint32_t suffix) {
  std::string s;
  append_padded(s, (static_cast<std::uint64_t>(block) + 1) * 1000 + suffix, 1);
  return s;
}

}  // namespace

std::string_view to_string(CompanyStatus s) {
  switch (s) {
    case CompanyStatus::active:
      return "ACTIVE";
    case CompanyStatus::liquidation:
      return "EN_LIQUIDATION";
    case CompanyStatus::struck_off:
      return "RADIEE";
  }
  return "ACTIVE";
}

std::string_view Company::form_code() const {
  return tables::legal_forms()[form].code;
}

Company company_of(std::uint64_t seed, std::uint32_t e) {
  const Registry& reg = registry_of(seed);
  const std::uint64_t v = reg.rc.forward(e / 1000);
  return generate(seed, e, static_cast<unsigned>(v % tribunal_count()),
                  rc_number_of(static_cast<std::uint32_t>(v / tribunal_count()), e % 1000));
}

Company company_by_rc(std::uint64_t seed, unsigned tribunal, std::string_view number) {
  const Registry& reg = registry_of(seed);
  std::uint64_t n = 0;
  const bool canonical = number.size() <= 9 && number[0] != '0';
  if (canonical) {
    for (char ch : number) n = n * 10 + static_cast<unsigned>(ch - '0');
  }
  const std::uint64_t blocks = kEnterpriseBlocks / tribunal_count();
  if (canonical && n >= 1000 && n / 1000 - 1 < blocks) {
    const std::uint64_t v = (n / 1000 - 1) * tribunal_count() + tribunal;
    if (v < kEnterpriseBlocks) {
      const auto e = static_cast<std::uint32_t>(reg.rc.inverse(v) * 1000 + n % 1000);
      return generate(seed, e, tribunal, std::string(number));
    }
  }
  // Outside the bijection (leading zeros, huge numbers): a company still answers for exactly the
  // entry asked, though its ICE leads back to another entry.
  const std::uint64_t h = derive(seed, Tag::company, stable_hash(number) ^ tribunal);
  std::uint32_t e = static_cast<std::uint32_t>(h % kEnterpriseBlocks) * 1000 +
                    static_cast<std::uint32_t>((h >> 32) % 995 + 1);
  return generate(seed, e, tribunal, std::string(number));
}

std::uint32_t pick_enterprise(std::uint64_t seed, Rng& rng, CompanyPick what) {
  std::uint32_t e = 1;
  for (int tries = 0; tries < 5000; ++tries) {
    e = rng.below(1000000000u);
    if (reserved_suffix(e)) continue;
    Rng r(derive(seed, Tag::company, e));
    const bool fresh = newly_registered(r);
    if (what == CompanyPick::created) {
      if (fresh) return e;
      continue;
    }
    if (fresh) continue;
    const CompanyStatus s = company_of(seed, e).status;
    if ((what == CompanyPick::struck_off) == (s == CompanyStatus::struck_off) &&
        (what != CompanyPick::active || s == CompanyStatus::active)) {
      return e;
    }
  }
  return e;
}

namespace {

std::string fiscal_id_of(std::uint32_t block, std::uint32_t suffix) {
  std::string s;
  append_padded(s, static_cast<std::uint64_t>(block) * 1000 + suffix, 8);
  return s;
}

// A number the IF lookup resolves to someone else: used where the one-way map has no preimage.
std::uint32_t fallback_block(std::uint64_t seed, std::uint64_t key, bool person) {
  const std::uint64_t h = derive(seed, Tag::taxpayer, key);
  const auto q = static_cast<std::uint32_t>(h % kSelfEmployedBlocks);
  return person ? q * 5 + 4 : q * 5 + static_cast<std::uint32_t>((h >> 40) % 4);
}

Taxpayer from_company(std::uint64_t seed, const Company& c, std::string fiscal_id) {
  Rng r(derive(seed, Tag::taxpayer, c.enterprise));
  Taxpayer t;
  t.fiscal_id = std::move(fiscal_id);
  t.ice = c.ice;
  t.activity = c.activities[0];
  t.address = c.seat_address;
  t.commune = c.seat_commune;
  if (c.natural_person()) {
    t.legal_entity = false;
    t.person_cnie = c.managers[0].cnie;
    t.person_last = c.managers[0].last;
    t.person_first = c.managers[0].first;
    static constexpr std::string_view kRegimes[] = {"IR_RNR", "IR_RNS", "IR_CPU"};
    t.regime = kRegimes[r.below(3)];
  } else {
    t.name = c.name;
    t.regime = "IS";
  }
  t.professional_tax_number = fiscal_id_of(r.below(kFiscalBlocks), r.below(1000));
  t.professional_tax_start = std::min(c.registered.plus_days(r.between(0, 60)), yesterday());
  switch (c.status) {
    case CompanyStatus::active:
      t.situation = "ACTIF";
      t.situation_date = t.professional_tax_start;
      break;
    case CompanyStatus::liquidation:
      t.situation = "EN_CESSATION";
      t.situation_date = std::max(c.status_date, t.professional_tax_start);
      break;
    case CompanyStatus::struck_off:
      t.situation = r.chance(500) ? "CESSE" : "RADIE";
      t.situation_date = std::max(c.status_date, t.professional_tax_start);
      break;
  }
  return t;
}

Taxpayer from_person(std::uint64_t seed, const Person& p, std::string fiscal_id) {
  Rng r(derive(seed, Tag::taxpayer, stable_hash(p.cnie)));
  Taxpayer t;
  t.fiscal_id = std::move(fiscal_id);
  t.legal_entity = false;
  t.person_cnie = p.cnie;
  t.person_last = p.last;
  t.person_first = p.first;
  static constexpr std::string_view kRegimes[] = {"AE", "AE", "IR_CPU", "IR_RNS", "IR_RNR"};
  t.regime = kRegimes[r.below(5)];
  t.auto_entrepreneur = t.regime == "AE";
  std::vector<unsigned> trades;
  for (unsigned i = 0; i < tables::activities().size(); ++i) {
    if (tables::activities()[i].self_employed) trades.push_back(i);
  }
  t.activity = trades[r.below(static_cast<std::uint32_t>(trades.size()))];
  t.address = p.address_line();
  t.commune = p.commune;
  // Registered as an adult, after 2000, and before dying.
  const Date hi = p.death ? std::min(*p.death, yesterday()) : yesterday();
  const Date lo = std::min(std::max(p.birth.plus_years(20), Date{2000, 1, 3}), hi);
  const Date start = day_between(r, lo, hi);
  t.has_professional_tax = !(t.auto_entrepreneur && r.chance(500));
  t.professional_tax_number = fiscal_id_of(r.below(kFiscalBlocks), r.below(1000));
  t.professional_tax_start = start;
  t.situation = "ACTIF";
  t.situation_date = start;
  if (p.death) {
    t.situation = "CESSE";
    t.situation_date = *p.death;
  }
  return t;
}

}  // namespace

Taxpayer taxpayer_by_if(std::uint64_t seed, std::string_view fiscal_id) {
  const Registry& reg = registry_of(seed);
  std::uint32_t f = 0;
  for (char ch : fiscal_id) f = f * 10 + static_cast<std::uint32_t>(ch - '0');
  const std::uint32_t block = f / 1000;
  const std::uint32_t suffix = f % 1000;
  if (block % 5 == 4) {
    const auto cnie_block = static_cast<std::uint32_t>(reg.self_employed.forward(block / 5));
    const Person p = person_of(seed, cnie_of_dense_index(cnie_block * 1000 + suffix));
    return from_person(seed, p, std::string(fiscal_id));
  }
  const auto e = static_cast<std::uint32_t>(reg.fiscal.forward(block) * 1000 + suffix);
  return from_company(seed, company_of(seed, e), std::string(fiscal_id));
}

Taxpayer taxpayer_by_ice(std::uint64_t seed, std::string_view ice) {
  const Registry& reg = registry_of(seed);
  const std::uint32_t e = ice_enterprise(ice);
  auto block = static_cast<std::uint32_t>(reg.fiscal.inverse(e / 1000));
  if (block >= kFiscalBlocks || block % 5 == 4) block = fallback_block(seed, e / 1000, false);
  return from_company(seed, company_of(seed, e), fiscal_id_of(block, e % 1000));
}

std::optional<Taxpayer> taxpayer_by_cnie(std::uint64_t seed, std::string_view cnie) {
  const Registry& reg = registry_of(seed);
  const auto dense = dense_cnie_index(cnie);
  std::uint32_t suffix = 0;
  for (char ch : cnie_digits(cnie))
    suffix = (suffix * 10 + static_cast<std::uint32_t>(ch - '0')) % 1000;
  if (dense) {
    const auto q = static_cast<std::uint32_t>(reg.self_employed.inverse(*dense / 1000));
    if (q < kSelfEmployedBlocks) {
      return from_person(seed, person_of(seed, cnie), fiscal_id_of(q * 5 + 4, suffix));
    }
  }
  // Beyond those the IF map reaches, about three people in ten are self-employed.
  Rng r(derive(seed, Tag::taxpayer, stable_hash(cnie) ^ 0x5e1f));
  if (!r.chance(300)) return std::nullopt;
  return from_person(seed, person_of(seed, cnie),
                     fiscal_id_of(fallback_block(seed, stable_hash(cnie), true), suffix));
}

}  // namespace sim
