// The names of the records the registry and the events inbox keep in the store: their streams
// ("<kind>/<id>") and the unique keys a stream claims (store::StreamWrite::keys). Spelled here and
// nowhere else; stored data depends on them, so a name never changes. Header-only: the
// integration tests read them without linking the registry.
#pragma once

#include <string>
#include <string_view>

namespace hub::registry::streams {

// Kinds (the store's `kind` column, and the first segment of the registry's streams).
inline constexpr std::string_view kPerson = "person";
inline constexpr std::string_view kInsured = "insured";
inline constexpr std::string_view kFamily = "family";
inline constexpr std::string_view kEmployer = "employer";
// An affiliation prepared from the commercial register's creation of a company, for an agent to
// confirm: "pending_affiliation/<ICE>".
inline constexpr std::string_view kPendingAffiliation = "pending_affiliation";
// The registry's own settings, each a record with its history: "settings/check_digits" holds
// when CNSS's numbers switched from Luhn to Damm check digits (docs/identifiers.md).
inline constexpr std::string_view kSettings = "settings";
inline constexpr std::string_view kCheckDigitsSetting = "check_digits";

inline std::string of(std::string_view kind, std::string_view id) {
  std::string s(kind);
  s += '/';
  s += id;
  return s;
}
inline std::string person(std::string_view cnie) {
  return of(kPerson, cnie);
}
inline std::string insured(std::string_view immatriculation) {
  return of(kInsured, immatriculation);
}
inline std::string family(std::string_view immatriculation) {
  return of(kFamily, immatriculation);
}
inline std::string employer(std::string_view affiliation) {
  return of(kEmployer, affiliation);
}

// "insured/000000018" -> "insured"; the whole name when it has no '/'.
inline std::string_view kind_of(std::string_view stream) {
  return stream.substr(0, stream.find('/'));
}
// "insured/000000018" -> "000000018"; the whole name when it has no '/'.
inline std::string_view id_of(std::string_view stream) {
  const auto slash = stream.find('/');
  return slash == std::string_view::npos ? stream : stream.substr(slash + 1);
}

// Unique keys: a key another stream holds fails the commit (duplicate_key).
namespace keys {
// The person record of a CNIE.
inline std::string cnie(std::string_view cnie) {
  return of("cnie", cnie);
}
// The one insured registration of a person.
inline std::string insured_of(std::string_view cnie) {
  return of("insured-of", cnie);
}
// The one affiliation of a company.
inline std::string ice(std::string_view ice) {
  return of("ice", ice);
}
}  // namespace keys

// The events inbox: one stream an event a partner pushed, and one a delivery it refused.
inline constexpr std::string_view kPartnerEventKind = "partner_event";
inline constexpr std::string_view kRefusedPartnerEventKind = "partner_event_refused";
// "partner-event/<partner>/<event id>"; with an empty id, the prefix of a partner's events.
inline std::string partner_event(std::string_view partner, std::string_view event_id) {
  return of("partner-event", partner) + "/" + std::string(event_id);
}
// "partner-event-refused/<partner>/<delivery id>"
inline std::string refused_partner_event(std::string_view partner, std::string_view delivery_id) {
  return of("partner-event-refused", partner) + "/" + std::string(delivery_id);
}

}  // namespace hub::registry::streams
