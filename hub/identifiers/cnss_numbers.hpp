// CNSS's own numbers, the hub's to define (../shared/partners/README.md): the immatriculation
// number of an insured person (9 digits) and the affiliation number of an employer (7 digits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hub::identifiers {

// A serial drawn from a store counter, left-padded, followed by one check digit so that a
// mistyped digit or two swapped neighbours are caught at the counter. Immatriculation: 8-digit
// serial + check = 9 digits. Affiliation: 6-digit serial + check = 7. nullopt when the serial is
// below 1 or no longer fits.
//
// The check digit is Damm's (H. M. Damm, "Total anti-symmetrische Quasigruppen", 2004): it
// catches every single-digit error and every transposition of adjacent digits. The first
// numbers were issued with a Luhn digit, which misses the transposition 09 <-> 90; they stay
// readable: a serial at or below `luhn_until` (what the store recorded when it switched, 0 for
// a store that never issued Luhn numbers) is checked with Luhn, any later one with Damm.
enum class CheckDigit { luhn, damm };
std::optional<std::string> immatriculation_number(std::int64_t serial,
                                                  CheckDigit check = CheckDigit::damm);
std::optional<std::string> affiliation_number(std::int64_t serial,
                                              CheckDigit check = CheckDigit::damm);
bool valid_immatriculation(std::string_view n, std::int64_t luhn_until = 0);
bool valid_affiliation(std::string_view n, std::int64_t luhn_until = 0);
// The Luhn check digit of a digit string (ISO/IEC 7812-1 annex B).
char luhn_digit(std::string_view digits);
// The Damm check digit of a digit string.
char damm_digit(std::string_view digits);

}  // namespace hub::identifiers
