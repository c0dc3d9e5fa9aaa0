// The identifiers other administrations issue, checked as their contracts say
// (../shared/partners/README.md, "Identifiers"): ICE and RIB by modulo 97, the others by form
// alone, since no public check algorithm exists for them. One spelling of each rule, used by the
// API, the registry, the mappings' validators and the simulators.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub::identifiers {

// Why a value is refused, in words for the field path's message; nullopt when it is valid.
// CNIE: one or two capital Latin letters, then one to six digits (^[A-Z]{1,2}[0-9]{1,6}$).
std::optional<std::string> cnie_problem(std::string_view cnie);
// ICE: 15 digits (9 enterprise, 4 establishment, 2 control) whose value is ≡ 0 (mod 97).
std::optional<std::string> ice_problem(std::string_view ice);
// IF: 8 digits (a 7-digit number must be left-padded first: left_padded_if).
std::optional<std::string> if_problem(std::string_view fiscal_id);
// RC: 1 to 10 digits (unique only together with the tribunal).
std::optional<std::string> rc_problem(std::string_view rc);
// RIB: 24 digits (3 bank, 3 city, 16 account, 2 key) whose value is ≡ 0 (mod 97).
std::optional<std::string> rib_problem(std::string_view rib);

inline bool valid_cnie(std::string_view s) {
  return !cnie_problem(s);
}
inline bool valid_ice(std::string_view s) {
  return !ice_problem(s);
}
inline bool valid_if(std::string_view s) {
  return !if_problem(s);
}
inline bool valid_rc(std::string_view s) {
  return !rc_problem(s);
}
inline bool valid_rib(std::string_view s) {
  return !rib_problem(s);
}

// DGI's older 7-digit IFs left-padded to 8 (dgi.md); an 8-digit IF as it is; nullopt otherwise.
std::optional<std::string> left_padded_if(std::string_view fiscal_id);

// The letters of a CNIE, and its digits ("BK123456" -> "BK", "123456"); for a valid CNIE only.
std::string_view cnie_letters(std::string_view cnie);
std::string_view cnie_digits(std::string_view cnie);

// True for a non-empty string of ASCII digits.
bool all_digits(std::string_view s);
// The value of a digit string modulo 97, however long (ISO 7064 MOD 97-10's remainder).
int mod97(std::string_view digits);

}  // namespace hub::identifiers
