#include "sim/data/random.hpp"

namespace sim {

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t stable_hash(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

std::uint64_t derive(std::uint64_t seed, Tag tag, std::uint64_t value) {
  std::uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(tag) + 1));
  return mix64(h ^ mix64(value + 0x632be59bd9b4e019ULL));
}

std::uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix64(state_);
}

std::uint32_t Rng::below(std::uint32_t n) {
  if (n == 0) return 0;
  // Multiply-shift: unbiased enough for synthetic data and free of divisions.
  return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}

int Rng::between(int lo, int hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int>(below(static_cast<std::uint32_t>(hi - lo + 1)));
}

bool Rng::chance(unsigned per_mille) {
  return below(1000) < per_mille;
}

}  // namespace sim
