// What /readyz remembers of the last time this node was not ready — when it began, when it
// ended and why — so that an operator looking after a store outage sees what happened even
// once the node has recovered by itself.
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace hub::api {

class ReadinessMemory {
 public:
  struct Episode {
    std::string from;    // ISO 8601, UTC
    std::string to;      // "" while it lasts
    std::string reason;  // the first reason seen
  };
  // One probe's verdict: "" when ready, otherwise why not.
  void observe(const std::string& why_not);
  std::optional<Episode> last() const;

 private:
  mutable std::mutex mutex_;
  std::optional<Episode> last_;
};

}  // namespace hub::api
