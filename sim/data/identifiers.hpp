// The simulators' own use of identifiers: the reserved suffixes that let tests reach every error
// path, dense CNIE numbering, ICEs made from an enterprise number, and the keyed permutations that
// tie identifiers together. Their validity rules are the hub's (hub/identifiers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/identifiers/partner_ids.hpp"

namespace sim {

// The identifiers' rules are the hub's own (hub/identifiers): one spelling of each.
namespace identifiers = hub::identifiers;
using identifiers::all_digits;
using identifiers::cnie_digits;

// What partners/README.md reserves, by the last three digits of an identifier.
enum class Reserved {
  none,
  not_found,       // ...000
  internal_error,  // ...999
  malformed,       // ...998: a truncated body with status 200
  stall,           // ...997: answers after 30 s
  rate_limited,    // ...996: 429 with Retry-After: 1
};

// Classifies by the last three characters of `digits` (fewer than three digits: none).
Reserved reserved_of(std::string_view digits);

// The commonest form, two letters and six digits, numbered densely in [0, kCnieDenseCount).
constexpr std::uint32_t kCnieDenseCount = 676u * 1000000u;
std::optional<std::uint32_t> dense_cnie_index(std::string_view cnie);
std::string cnie_of_dense_index(std::uint32_t index);

// The 9-digit enterprise part of a well-formed ICE.
std::uint32_t ice_enterprise(std::string_view ice);
// The ICE of an establishment (0 = head office) of enterprise `enterprise` (< 10^9).
std::string make_ice(std::uint32_t enterprise, unsigned establishment);

// x -> (a*x + b) mod m with gcd(a, m) = 1: a keyed bijection of [0, m) whose inverse is as cheap
// as itself. It only has to look unrelated to a person reading the data, not resist analysis.
class AffinePermutation {
 public:
  // `modulus` must be below 2^32.
  AffinePermutation(std::uint64_t modulus, std::uint64_t key);
  std::uint64_t forward(std::uint64_t x) const;
  std::uint64_t inverse(std::uint64_t y) const;
  std::uint64_t modulus() const { return m_; }

 private:
  std::uint64_t m_, a_, b_, a_inv_;
};

}  // namespace sim
