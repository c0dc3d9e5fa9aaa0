// Answers kept per partner and operation: fresh until their TTL, then still servable as "stale"
// for a grace period when the partner fails. Bounded in entries and in bytes (least recently
// used out). Thread-safe.
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
  AnswerCache(std::size_t max_entries, std::size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  struct Hit {
    std::shared_ptr<const MappedAnswer> answer;
    bool fresh = false;  // false: expired, but within the stale grace
  };
  std::optional<Hit> get(const std::string& key, Clock::time_point now = Clock::now());
  void put(const std::string& key, std::shared_ptr<const MappedAnswer> answer,
           std::chrono::seconds ttl, std::chrono::seconds grace,
           Clock::time_point now = Clock::now());
  std::size_t size() const;
  std::size_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<const MappedAnswer> answer;
    std::size_t bytes;
    Clock::time_point expires;
    Clock::time_point stale_until;
    std::list<std::string>::iterator lru;
  };
  std::size_t max_entries_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
};

}  // namespace hub::exchange
