// The identifiers the registry takes (CNIE, ICE, RIB) and the two it issues (immatriculation
// and affiliation numbers). Checks return the reason a value is refused, or nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hub::registry {

// One or two capital Latin letters, then one to six digits (no public check digit).
std::optional<std::string> cnie_problem(std::string_view cnie);
// 15 digits whose value is ≡ 0 (mod 97).
std::optional<std::string> ice_problem(std::string_view ice);
// 24 digits (3 bank, 3 city, 16 account, 2 key) whose value is ≡ 0 (mod 97).
std::optional<std::string> rib_problem(std::string_view rib);

// The value of a digit string modulo 97, however long.
int mod97(std::string_view digits);

// CNSS's own numbers: a serial drawn from a store counter, left-padded, followed by one Luhn
// check digit, so that a mistyped digit or two swapped neighbours are caught at the counter.
// Immatriculation: 8-digit serial + check = 9 digits. Affiliation: 6-digit serial + check = 7.
// nullopt when the serial no longer fits.
std::optional<std::string> immatriculation_number(std::int64_t serial);
std::optional<std::string> affiliation_number(std::int64_t serial);
bool valid_immatriculation(std::string_view n);
bool valid_affiliation(std::string_view n);
// The Luhn check digit of a digit string.
char luhn_digit(std::string_view digits);

}  // namespace hub::registry
