#include "hub/identifiers/cnss_numbers.hpp"

#include "hub/identifiers/partner_ids.hpp"

namespace hub::identifiers {
namespace {

// Damm's totally anti-symmetric quasigroup of order 10 (the table of his 2004 thesis, p. 111).
constexpr unsigned char kDamm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
    {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
    {2, 5, 8, 1, 4, 3, 6, 7, 9, 0}};

std::optional<std::string> numbered(std::int64_t serial, int width, CheckDigit check) {
  std::string s = std::to_string(serial);
  if (serial < 1 || static_cast<int>(s.size()) > width) return std::nullopt;
  s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s + (check == CheckDigit::damm ? damm_digit(s) : luhn_digit(s));
}

bool checked(std::string_view n, std::size_t size, std::int64_t luhn_until) {
  if (n.size() != size || !all_digits(n)) return false;
  const std::string_view serial = n.substr(0, size - 1);
  std::int64_t value = 0;
  for (char c : serial) value = value * 10 + (c - '0');
  const char expected = value <= luhn_until ? luhn_digit(serial) : damm_digit(serial);
  return expected == n.back();
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

char damm_digit(std::string_view digits) {
  unsigned interim = 0;
  for (char c : digits) interim = kDamm[interim][static_cast<unsigned>(c - '0')];
  return static_cast<char>('0' + interim);
}

std::optional<std::string> immatriculation_number(std::int64_t serial, CheckDigit check) {
  return numbered(serial, 8, check);
}
std::optional<std::string> affiliation_number(std::int64_t serial, CheckDigit check) {
  return numbered(serial, 6, check);
}
bool valid_immatriculation(std::string_view n, std::int64_t luhn_until) {
  return checked(n, 9, luhn_until);
}
bool valid_affiliation(std::string_view n, std::int64_t luhn_until) {
  return checked(n, 7, luhn_until);
}

}  // namespace hub::identifiers
