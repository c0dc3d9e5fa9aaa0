// A log-linear latency histogram (HDR-style: 64 sub-buckets per power of two, so every recorded
// value is kept within 1.6 %), from 1 µs to about 70 minutes. Written by hand: Debian packages
// no C or C++ HdrHistogram.
#pragma once

#include <array>
#include <cstdint>

namespace loadgen {

class Histogram {
 public:
  void record(std::uint64_t micros);
  void merge(const Histogram& other);
  std::uint64_t count() const { return count_; }
  // The value at the quantile q (0..1), in microseconds.
  std::uint64_t quantile(double q) const;
  std::uint64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }

 private:
  static constexpr int kSub = 64;
  static constexpr int kExp = 33;
  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t value_of(std::size_t index);
  std::array<std::uint64_t, kSub * kExp> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace loadgen
