#include "sim/data/identifiers.hpp"

#include "sim/data/calendar.hpp"
#include "sim/data/random.hpp"

#include <numeric>

namespace sim {

Reserved reserved_of(std::string_view digits) {
  if (digits.size() < 3) return Reserved::none;
  const std::string_view tail = digits.substr(digits.size() - 3);
  if (tail == "000") return Reserved::not_found;
  if (tail == "999") return Reserved::internal_error;
  if (tail == "998") return Reserved::malformed;
  if (tail == "997") return Reserved::stall;
  if (tail == "996") return Reserved::rate_limited;
  return Reserved::none;
}

std::optional<std::uint32_t> dense_cnie_index(std::string_view cnie) {
  if (cnie.size() != 8 || !identifiers::valid_cnie(cnie) || cnie_digits(cnie).size() != 6) {
    return std::nullopt;
  }
  std::uint32_t number = 0;
  for (char c : cnie.substr(2)) number = number * 10 + static_cast<std::uint32_t>(c - '0');
  const auto letters = static_cast<std::uint32_t>((cnie[0] - 'A') * 26 + (cnie[1] - 'A'));
  return letters * 1000000u + number;
}

std::string cnie_of_dense_index(std::uint32_t index) {
  std::string s;
  s.reserve(8);
  const std::uint32_t letters = index / 1000000u;
  s.push_back(static_cast<char>('A' + letters / 26));
  s.push_back(static_cast<char>('A' + letters % 26));
  append_padded(s, index % 1000000u, 6);
  return s;
}

std::uint32_t ice_enterprise(std::string_view ice) {
  std::uint32_t e = 0;
  for (char c : ice.substr(0, 9)) e = e * 10 + static_cast<std::uint32_t>(c - '0');
  return e;
}

std::string make_ice(std::uint32_t enterprise, unsigned establishment) {
  const std::uint64_t head =
      static_cast<std::uint64_t>(enterprise) * 10000u + establishment % 10000u;
  // The two control digits make the whole number divisible by 97.
  const auto control = static_cast<unsigned>((97 - (head * 100) % 97) % 97);
  std::string s;
  s.reserve(15);
  append_padded(s, head, 13);
  append_padded(s, control, 2);
  return s;
}

namespace {

// Inverse of a modulo m by the extended Euclidean algorithm (a and m coprime).
std::uint64_t mod_inverse(std::uint64_t a, std::uint64_t m) {
  std::int64_t old_r = static_cast<std::int64_t>(a), r = static_cast<std::int64_t>(m);
  std::int64_t old_s = 1, s = 0;
  while (r != 0) {
    const std::int64_t q = old_r / r;
    std::int64_t t = old_r - q * r;
    old_r = r;
    r = t;
    t = old_s - q * s;
    old_s = s;
    s = t;
  }
  const auto mm = static_cast<std::int64_t>(m);
  return static_cast<std::uint64_t>(((old_s % mm) + mm) % mm);
}

}  // namespace

AffinePermutation::AffinePermutation(std::uint64_t modulus, std::uint64_t key) : m_(modulus) {
  Rng rng(key);
  // A multiplier well away from 1 so that neighbours land far apart.
  do {
    a_ = modulus / 3 + rng.next() % (modulus / 2);
  } while (std::gcd(a_, m_) != 1);
  b_ = rng.next() % m_;
  a_inv_ = mod_inverse(a_, m_);
}

// With m below 2^32 every product below stays under 2^64: no 128-bit division on the hot path.
std::uint64_t AffinePermutation::forward(std::uint64_t x) const {
  return (a_ * x + b_) % m_;
}

std::uint64_t AffinePermutation::inverse(std::uint64_t y) const {
  return a_inv_ * ((y + m_ - b_) % m_) % m_;
}

}  // namespace sim
