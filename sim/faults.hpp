// Fault injection and counters for one simulated partner, changeable while it runs.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hub/core/error.hpp"
#include "sim/sim_config.hpp"

namespace sim {

// What to do to one answer, drawn from the current settings.
struct FaultDraw {
  std::chrono::milliseconds delay{0};
  bool error = false;
  bool malformed = false;
  bool reset = false;
  bool slow_body = false;
  std::chrono::milliseconds slow_body_pause{0};
  bool bomb = false;
  bool invisible_marks = false;
  bool split_text = false;
  std::string encoding = "identity";
  std::string retry_after = "seconds";
  double retry_after_s = 1;
};

class FaultState {
 public:
  explicit FaultState(Faults initial) : faults_(initial) { active_ = any(initial); }

  FaultDraw draw();
  Faults get() const;
  // A JSON object with any of the keys of Faults; unknown keys and bad values are refused.
  hub::Result<void> update_from_json(const std::string& json);
  std::string to_json() const;

 private:
  static bool any(const Faults& f);
  mutable std::mutex mutex_;
  Faults faults_;
  std::atomic<bool> active_{false};  // the common case, no fault at all, takes no lock
};

class Counters {
 public:
  // `id`: the identifier asked for (empty when none could be read); kept for the first
  // kMaxIdentifiers distinct ones, so that a test can count the calls for one identifier.
  void count(const std::string& kind, std::string_view id);
  std::string to_json() const;
  std::uint64_t for_identifier(const std::string& id) const;
  void reset();

  static constexpr std::size_t kMaxIdentifiers = 200'000;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> by_kind_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> by_id_;
};

// A token bucket per client certificate (DGI's documented quota).
class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}
  bool enabled() const { return limit_.per_second > 0; }
  bool allow(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  RateLimit limit_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace sim
