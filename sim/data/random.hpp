// Stable hashing and a seeded generator: the same (seed, identifier) gives the same stream on
// every machine and every run, which is what lets the simulators invent millions of people and
// companies without storing any of them.
#pragma once

#include <cstdint>
#include <string_view>

namespace sim {

// Domain tags keep the streams of unrelated facts apart (a person's names and the same person's
// couple must not draw from one stream, or adding a draw to one would change the other).
enum class Tag : std::uint64_t {
  person = 1,
  couple = 2,
  children = 3,
  union_extra = 4,
  variation = 5,
  company = 6,
  taxpayer = 7,
  event = 8,
  structure = 9,
  household = 10,
};

// splitmix64's finaliser: a bijective mixer of 64 bits.
std::uint64_t mix64(std::uint64_t x);
// FNV-1a over the bytes, then mixed: stable across machines (unlike std::hash).
std::uint64_t stable_hash(std::string_view bytes);
// A child seed for one purpose; combining is order-sensitive on purpose.
std::uint64_t derive(std::uint64_t seed, Tag tag, std::uint64_t value);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n); n == 0 gives 0.
  std::uint32_t below(std::uint32_t n);
  // Uniform in [lo, hi] (inclusive); hi < lo gives lo.
  int between(int lo, int hi);
  // True with probability per_mille / 1000.
  bool chance(unsigned per_mille);

 private:
  std::uint64_t state_;
};

}  // namespace sim
