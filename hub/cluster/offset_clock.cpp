#include "hub/cluster/offset_clock.hpp"

#include <fstream>

namespace hub::cluster {

OffsetClock::OffsetClock(std::string file) : file_(std::move(file)) {
  refresh();
}

std::int64_t OffsetClock::now_ms() const {
  return registry::SystemClock().now_ms() + days_.load() * 86'400'000;
}

void OffsetClock::refresh() {
  std::ifstream in(file_);
  std::int64_t days = 0;
  if (in >> days) days_ = days;
}

}  // namespace hub::cluster
