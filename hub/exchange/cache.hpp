// Answers kept per partner and operation: fresh until their TTL, then still servable as "stale"
// for a grace period when the partner fails. Bounded in entries (least recently used out).
// Thread-safe.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "hub/exchange/answer.hpp"

namespace hub::exchange {

class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AnswerCache(std::size_t max_entries) : max_entries_(max_entries) {}

  struct Hit {
    std::shared_ptr<const MappedAnswer> answer;
    bool fresh = false;  // false: expired, but within the stale grace
  };
  std::optional<Hit> get(const std::string& key, Clock::time_point now = Clock::now());
  void put(const std::string& key, std::shared_ptr<const MappedAnswer> answer,
           std::chrono::seconds ttl, std::chrono::seconds grace,
           Clock::time_point now = Clock::now());
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const MappedAnswer> answer;
    Clock::time_point expires;
    Clock::time_point stale_until;
    std::list<std::string>::iterator lru;
  };
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
};

}  // namespace hub::exchange
