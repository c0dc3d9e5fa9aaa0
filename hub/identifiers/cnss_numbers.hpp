// CNSS's own numbers, the hub's to define (../shared/partners/README.md): the immatriculation
// number of an insured person (9 digits) and the affiliation number of an employer (7 digits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hub::identifiers {

// A serial drawn from a store counter, left-padded, followed by one Luhn check digit, so that a
// mistyped digit or two swapped neighbours are caught at the counter. Immatriculation: 8-digit
// serial + check = 9 digits. Affiliation: 6-digit serial + check = 7. nullopt when the serial is
// below 1 or no longer fits.
std::optional<std::string> immatriculation_number(std::int64_t serial);
std::optional<std::string> affiliation_number(std::int64_t serial);
bool valid_immatriculation(std::string_view n);
bool valid_affiliation(std::string_view n);
// The Luhn check digit of a digit string (ISO/IEC 7812-1 annex B).
char luhn_digit(std::string_view digits);

}  // namespace hub::identifiers
