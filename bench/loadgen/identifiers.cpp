#include "identifiers.hpp"

#include <cstdio>

namespace loadgen {
namespace {

std::uint64_t avoid_reserved(std::uint64_t n) {
  const auto tail = n % 1000;
  if (tail == 0) return n + 1;
  if (tail >= 996) return n - 10;
  return n;
}

// The two control digits that make the whole number ≡ 0 (mod 97).
unsigned mod97_key(const std::string& digits_without_key) {
  unsigned r = 0;
  for (char c : digits_without_key) r = (r * 10 + static_cast<unsigned>(c - '0')) % 97;
  r = (r * 100) % 97;
  return (97 - r) % 97;
}

}  // namespace

bool valid_kind(const std::string& k) {
  return k == "cnie" || k == "ice" || k == "if" || k == "rib" || k == "number";
}

std::string make_identifier(const std::string& kind, std::uint64_t n) {
  n = avoid_reserved(n);
  char buf[64];
  if (kind == "cnie") {
    static const char* const kPrefixes[] = {"BK", "AB", "BE", "CD", "EE", "JH", "K", "X"};
    std::snprintf(buf, sizeof buf, "%s%06llu", kPrefixes[(n / 1000000) % 8],
                  static_cast<unsigned long long>(n % 1000000));
    return buf;
  }
  if (kind == "ice") {
    std::snprintf(buf, sizeof buf, "%09llu0000", static_cast<unsigned long long>(n % 1000000000));
    std::string s = buf;
    std::snprintf(buf, sizeof buf, "%02u", mod97_key(s));
    return s + buf;
  }
  if (kind == "if") {
    std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(n % 100000000));
    return buf;
  }
  if (kind == "rib") {
    std::snprintf(buf, sizeof buf, "001810%016llu", static_cast<unsigned long long>(n));
    std::string s = buf;
    std::snprintf(buf, sizeof buf, "%02u", mod97_key(s));
    return s + buf;
  }
  return std::to_string(n);
}

}  // namespace loadgen
