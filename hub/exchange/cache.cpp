#include "hub/exchange/cache.hpp"

namespace hub::exchange {

std::optional<AnswerCache::Hit> AnswerCache::get(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  if (now >= e.stale_until) {
    bytes_ -= e.bytes;
    lru_.erase(e.lru);
    entries_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, e.lru);
  return Hit{e.answer, now < e.expires};
}

void AnswerCache::put(const std::string& key, std::shared_ptr<const MappedAnswer> answer,
                      std::chrono::seconds ttl, std::chrono::seconds grace, Clock::time_point now) {
  if (max_entries_ == 0 || max_bytes_ == 0) return;
  const std::size_t size = answer->bytes() + 2 * key.size() + 64;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    bytes_ -= it->second.bytes;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  while ((entries_.size() >= max_entries_ || bytes_ + size > max_bytes_) && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    bytes_ -= victim->second.bytes;
    entries_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(key);
  bytes_ += size;
  entries_.emplace(key, Entry{std::move(answer), size, now + ttl, now + ttl + grace, lru_.begin()});
}

std::size_t AnswerCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t AnswerCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace hub::exchange
