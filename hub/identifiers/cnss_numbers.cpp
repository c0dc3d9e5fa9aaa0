#include "hub/identifiers/cnss_numbers.hpp"

#include "hub/identifiers/partner_ids.hpp"

namespace hub::identifiers {
namespace {

std::optional<std::string> numbered(std::int64_t serial, int width) {
  std::string s = std::to_string(serial);
  if (serial < 1 || static_cast<int>(s.size()) > width) return std::nullopt;
  s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s + luhn_digit(s);
}

bool checked(std::string_view n, std::size_t size) {
  return n.size() == size && all_digits(n) && luhn_digit(n.substr(0, size - 1)) == n.back();
}

}  // namespace

char luhn_digit(std::string_view digits) {
  int sum = 0;
  bool twice = true;  // the rightmost digit of the payload is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::optional<std::string> immatriculation_number(std::int64_t serial) {
  return numbered(serial, 8);
}
std::optional<std::string> affiliation_number(std::int64_t serial) {
  return numbered(serial, 6);
}
bool valid_immatriculation(std::string_view n) {
  return checked(n, 9);
}
bool valid_affiliation(std::string_view n) {
  return checked(n, 7);
}

}  // namespace hub::identifiers
