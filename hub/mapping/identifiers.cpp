#include "hub/mapping/identifiers.hpp"

#include <cstdint>

namespace hub::mapping {

namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// The number can be too long for any integer type: accumulate digits in 64 bits and reduce only
// when the next digit could overflow (the remainder is the same as reducing digit by digit).
bool mod97_zero(std::string_view digits) {
  std::uint64_t r = 0;
  for (char c : digits) {
    if (r >= (std::uint64_t{1} << 59)) r %= 97;
    r = r * 10 + static_cast<unsigned>(c - '0');
  }
  return r % 97 == 0;
}

}  // namespace

bool valid_cnie(std::string_view s) {
  std::size_t letters = 0;
  while (letters < s.size() && s[letters] >= 'A' && s[letters] <= 'Z') ++letters;
  std::string_view digits = s.substr(letters);
  return letters >= 1 && letters <= 2 && digits.size() >= 1 && digits.size() <= 6 &&
         all_digits(digits);
}

bool valid_ice(std::string_view s) {
  return s.size() == 15 && all_digits(s) && mod97_zero(s);
}

bool valid_if(std::string_view s) {
  return s.size() == 8 && all_digits(s);
}

bool valid_rc(std::string_view s) {
  return s.size() <= 10 && all_digits(s);
}

bool valid_rib(std::string_view s) {
  return s.size() == 24 && all_digits(s) && mod97_zero(s);
}

}  // namespace hub::mapping
