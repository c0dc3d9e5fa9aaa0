// Synthetic companies (OMPIC) and taxpayers (DGI), consistent with each other and with DGSN.
//
// A company is its 9-digit enterprise number e. Its register entry is a bijection of e (the
// last three digits are kept, so reserved suffixes agree between an ICE and its RC number), so an
// RC lookup finds the company whose ICE lookup names that entry. Managers are DGSN people. DGI's
// identifiers (IF) map one way into companies and self-employed people; see docs/simulators.md
// for what that leaves inconsistent.
#pragma once

#include "sim/data/calendar.hpp"
#include "sim/data/people.hpp"
#include "sim/data/random.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class CompanyStatus { active, liquidation, struck_off };
std::string_view to_string(CompanyStatus s);  // ACTIVE, EN_LIQUIDATION, RADIEE

struct Manager {
  std::string cnie;  // empty for a foreigner, who has a passport instead
  std::string passport;
  tables::Name last;
  tables::Name first;
  std::string_view quality;  // GERANT, PDG, ...
  Date appointed;
};

struct Establishment {
  std::string ice;
  std::string address;
  unsigned commune = 0;
};

struct Company {
  std::uint32_t enterprise = 0;
  std::string ice;  // head office
  unsigned tribunal = 0;
  std::string rc_number;
  Date registered;
  std::string name;
  std::string acronym;        // empty: none
  unsigned form = 0;          // index into tables::legal_forms()
  std::uint64_t capital = 0;  // dirhams; 0: none declared
  std::string seat_address;
  unsigned seat_commune = 0;
  std::vector<unsigned> activities;  // indexes into tables::activities(); the first is principal
  std::vector<Manager> managers;
  std::vector<Establishment> establishments;
  CompanyStatus status = CompanyStatus::active;
  Date status_date;
  unsigned extract_second = 0;  // time of day of dateExtrait

  std::string_view form_code() const;
  bool natural_person() const { return form_code() == "PP"; }
};

Company company_of(std::uint64_t seed, std::uint32_t enterprise);
// By register entry; `number` is all digits. The entry in the answer is always the one asked.
Company company_by_rc(std::uint64_t seed, unsigned tribunal, std::string_view number);
// An enterprise number, not reserved, for events: CREATION wants one registered in the last
// weeks, RADIATION one struck off, MODIFICATION an active one.
enum class CompanyPick { created, struck_off, active };
std::uint32_t pick_enterprise(std::uint64_t seed, Rng& rng, CompanyPick what);

struct Taxpayer {
  std::string fiscal_id;  // 8 digits
  std::string ice;        // empty: none
  bool legal_entity = true;
  std::string name;         // raisonSociale (legal entities)
  std::string person_cnie;  // personnePhysique (self-employed)
  tables::Name person_last;
  tables::Name person_first;
  std::string_view regime;  // IS, IR_RNR, IR_RNS, IR_CPU, AE
  bool has_professional_tax = true;
  std::string professional_tax_number;
  Date professional_tax_start;
  unsigned activity = 0;
  std::string address;
  unsigned commune = 0;
  std::string_view situation;  // ACTIF, EN_CESSATION, CESSE, RADIE
  Date situation_date;
  bool auto_entrepreneur = false;
};

// `fiscal_id`: 8 digits.
Taxpayer taxpayer_by_if(std::uint64_t seed, std::string_view fiscal_id);
// `ice`: a valid ICE.
Taxpayer taxpayer_by_ice(std::uint64_t seed, std::string_view ice);
// `cnie`: well formed. Empty when that person is not a self-employed taxpayer.
std::optional<Taxpayer> taxpayer_by_cnie(std::uint64_t seed, std::string_view cnie);

}  // namespace sim
