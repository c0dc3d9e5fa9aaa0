// TEST ONLY. The system clock moved forward by a number of days read from a file, so that an
// integration test can make several real hub processes live through simulated days together
// (tests/integration/cluster). Used only when the configuration sets testing.clock_offset_file,
// which production configurations never do: the hub then logs a warning at start, and
// `cnss-hub check` reports it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "hub/registry/clock.hpp"

namespace hub::cluster {

class OffsetClock final : public registry::Clock {
 public:
  // Reads the file at once; a missing or unreadable file is an offset of 0 days.
  explicit OffsetClock(std::string file);
  std::int64_t now_ms() const override;
  // Reads the file again (the hub's background thread does, every half second).
  void refresh();
  std::int64_t offset_days() const { return days_.load(); }

 private:
  std::string file_;
  std::atomic<std::int64_t> days_{0};
};

}  // namespace hub::cluster
