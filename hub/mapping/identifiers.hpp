// Identifier checks from the partners' contracts (shared/partners/README.md): ICE and RIB by
// modulo 97, the others by form only, since no public check algorithm exists for them.
#pragma once

#include <string_view>

namespace hub::mapping {

bool valid_cnie(std::string_view s);  // ^[A-Z]{1,2}[0-9]{1,6}$
bool valid_ice(std::string_view s);   // 15 digits, the number ≡ 0 (mod 97)
bool valid_if(std::string_view s);    // 8 digits (7-digit numbers must be left-padded first)
bool valid_rc(std::string_view s);    // 1 to 10 digits
bool valid_rib(std::string_view s);   // 24 digits, the number ≡ 0 (mod 97)

}  // namespace hub::mapping
