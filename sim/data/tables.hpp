// The synthetic world's vocabulary, compiled in: names in both scripts, real communes with their
// provinces, commercial courts, activity codes, legal forms. Indexes into these tables are what
// the generators draw; the strings are never copied until rendered.
#pragma once

#include <span>
#include <string_view>

namespace sim::tables {

// A name as printed on the card (Latin capitals for family names) and in Arabic script.
struct Name {
  std::string_view latin;
  std::string_view arabic;
};

struct Commune {
  std::string_view name;
  std::string_view province;
  std::string_view postal_code;
};

struct Tribunal {
  std::string_view code;  // as the OMPIC path takes it
  unsigned commune;       // index into communes(): the court's city
};

struct Activity {
  std::string_view code;
  std::string_view label;
  std::string_view trade_word;  // used to invent company names ("ATLAS LOGISTIQUE")
  bool self_employed;           // plausible for a self-employed taxpayer
};

struct LegalForm {
  std::string_view code;
  std::string_view label;
};

std::span<const Name> last_names();
std::span<const Name> male_first_names();
std::span<const Name> female_first_names();
std::span<const Commune> communes();
std::span<const Tribunal> tribunals();
std::span<const Activity> activities();
std::span<const LegalForm> legal_forms();
std::span<const std::string_view> streets();
std::span<const std::string_view> quarters();
std::span<const std::string_view> company_words();

// Index of the tribunal with that code, or -1.
int find_tribunal(std::string_view code);

}  // namespace sim::tables
