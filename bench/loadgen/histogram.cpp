#include "histogram.hpp"

#include <bit>

namespace loadgen {

std::size_t Histogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(v);  // >= 6
  const int shift = msb - 5;                 // keep 6 significant bits
  const std::size_t exp = static_cast<std::size_t>(shift);
  const std::size_t sub = static_cast<std::size_t>(v >> shift) - kSub / 2;  // 0..31
  std::size_t i = kSub + (exp - 1) * (kSub / 2) + sub;
  const std::size_t last = static_cast<std::size_t>(kSub) * kExp - 1;
  return i > last ? last : i;
}

std::uint64_t Histogram::value_of(std::size_t index) {
  if (index < kSub) return index;
  const std::size_t k = index - kSub;
  const std::size_t exp = k / (kSub / 2) + 1;
  const std::size_t sub = k % (kSub / 2) + kSub / 2;
  // The bucket's upper edge: a reported percentile never understates.
  return ((sub + 1) << exp) - 1;
}

void Histogram::record(std::uint64_t micros) {
  ++buckets_[index_of(micros)];
  ++count_;
  sum_ += micros;
  if (micros > max_) max_ = micros;
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.max_ > max_) max_ = o.max_;
}

std::uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto target = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.5);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= target && seen > 0) {
      const auto v = value_of(i);
      return v > max_ ? max_ : v;
    }
  }
  return max_;
}

}  // namespace loadgen
