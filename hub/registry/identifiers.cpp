#include "hub/registry/identifiers.hpp"

namespace hub::registry {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

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

std::optional<std::string> cnie_problem(std::string_view cnie) {
  std::size_t letters = 0;
  while (letters < cnie.size() && cnie[letters] >= 'A' && cnie[letters] <= 'Z') ++letters;
  const auto rest = cnie.substr(letters);
  if (letters < 1 || letters > 2 || rest.empty() || rest.size() > 6 || !all_digits(rest)) {
    return "must be one or two capital letters then one to six digits (BK123456)";
  }
  return std::nullopt;
}

int mod97(std::string_view digits) {
  int r = 0;
  for (char c : digits) r = (r * 10 + (c - '0')) % 97;
  return r;
}

std::optional<std::string> ice_problem(std::string_view ice) {
  if (ice.size() != 15 || !all_digits(ice)) return "must be 15 digits";
  if (mod97(ice) != 0) return "control digits do not match";
  return std::nullopt;
}

std::optional<std::string> rib_problem(std::string_view rib) {
  if (rib.size() != 24 || !all_digits(rib)) return "must be 24 digits";
  if (mod97(rib) != 0) return "key does not match";
  return std::nullopt;
}

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

}  // namespace hub::registry
