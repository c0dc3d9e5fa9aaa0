#include "hub/identifiers/partner_ids.hpp"

#include <cstdint>

namespace hub::identifiers {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int mod97(std::string_view digits) {
  // Digits accumulate in 64 bits and are reduced only when the next one could overflow: the
  // remainder is the same as reducing digit by digit, at a fraction of the divisions.
  std::uint64_t r = 0;
  for (char c : digits) {
    if (r >= (std::uint64_t{1} << 59)) r %= 97;
    r = r * 10 + static_cast<unsigned>(c - '0');
  }
  return static_cast<int>(r % 97);
}

std::string_view cnie_letters(std::string_view cnie) {
  std::size_t letters = 0;
  while (letters < cnie.size() && cnie[letters] >= 'A' && cnie[letters] <= 'Z') ++letters;
  return cnie.substr(0, letters);
}

std::string_view cnie_digits(std::string_view cnie) {
  return cnie.substr(cnie_letters(cnie).size());
}

std::optional<std::string> cnie_problem(std::string_view cnie) {
  const auto letters = cnie_letters(cnie).size();
  const auto digits = cnie_digits(cnie);
  if (letters < 1 || letters > 2 || digits.size() > 6 || !all_digits(digits)) {
    return "must be one or two capital letters then one to six digits (BK123456)";
  }
  return std::nullopt;
}

std::optional<std::string> ice_problem(std::string_view ice) {
  if (ice.size() != 15 || !all_digits(ice)) return "must be 15 digits";
  if (mod97(ice) != 0) return "control digits do not match";
  return std::nullopt;
}

std::optional<std::string> if_problem(std::string_view fiscal_id) {
  if (fiscal_id.size() != 8 || !all_digits(fiscal_id)) return "must be 8 digits";
  return std::nullopt;
}

std::optional<std::string> rc_problem(std::string_view rc) {
  if (rc.size() > 10 || !all_digits(rc)) return "must be 1 to 10 digits";
  return std::nullopt;
}

std::optional<std::string> rib_problem(std::string_view rib) {
  if (rib.size() != 24 || !all_digits(rib)) return "must be 24 digits";
  if (mod97(rib) != 0) return "key does not match";
  return std::nullopt;
}

std::optional<std::string> left_padded_if(std::string_view fiscal_id) {
  if (!all_digits(fiscal_id)) return std::nullopt;
  if (fiscal_id.size() == 8) return std::string(fiscal_id);
  if (fiscal_id.size() == 7) return "0" + std::string(fiscal_id);
  return std::nullopt;
}

}  // namespace hub::identifiers
