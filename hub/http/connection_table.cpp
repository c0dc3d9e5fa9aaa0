#include "hub/http/connection_table.hpp"

namespace hub::http {
namespace {
// Below this many connections, what they held is not worth a malloc_trim.
constexpr std::size_t kTrimPeak = 64;

constexpr std::size_t queue_of(ConnectionTable::Phase p) {
  return static_cast<std::size_t>(p);
}

constexpr std::array<std::string_view, 3> kEvictedReason = {
    "idle_pre_handshake", "partial_client_hello", "stalled_handshake"};
}  // namespace

ConnectionTable::ConnectionTable(ConnectionLimits limits) : limits_(limits) {}

ConnectionTable::Admission ConnectionTable::admit(const std::string& address,
                                                  std::weak_ptr<Closable> connection, Phase phase) {
  Admission out;
  std::lock_guard lock(mutex_);
  const auto known = addresses_.find(address);
  const PerAddress* here = known == addresses_.end() ? nullptr : &known->second;
  if (here != nullptr && here->open >= limits_.max_connections_per_address) {
    out.refused = "per_address";
    return out;
  }
  if (here != nullptr && here->pre_handshake.size() >= limits_.max_pre_handshake_per_address) {
    out.refused = "per_address_pre_handshake";
    return out;
  }
  // A full pre-handshake budget always has someone to evict; a listener full of established
  // connections may not.
  if (open_ >= limits_.max_connections || pre_handshake_ >= limits_.max_pre_handshake) {
    if (!evict_locked(here, out)) {
      out.refused = "max_connections";
      return out;
    }
  }
  if (phase == Phase::established) phase = Phase::handshaking;
  out.id = next_id_++;
  Entry& e = entries_[out.id];
  e.address = address;
  e.phase = phase;
  e.connection = std::move(connection);
  auto& queue = queues_[queue_of(phase)];
  e.queued = queue.insert(queue.end(), out.id);
  PerAddress& counts = addresses_[address];
  ++counts.open;
  e.of_address = counts.pre_handshake.insert(counts.pre_handshake.end(), out.id);
  ++open_;
  ++pre_handshake_;
  open_peak_ = std::max(open_peak_, open_);
  return out;
}

void ConnectionTable::progress(Id id, Phase phase) {
  if (phase == Phase::idle || phase == Phase::established) return;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.counted || it->second.phase >= phase) return;
  Entry& e = it->second;
  queues_[queue_of(e.phase)].erase(e.queued);
  auto& queue = queues_[queue_of(phase)];
  e.queued = queue.insert(queue.end(), id);
  e.phase = phase;
}

bool ConnectionTable::established(Id id, tls::PeerChain peer) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.counted) return false;
  Entry& e = it->second;
  if (e.phase == Phase::established) return true;
  leave_pre_handshake_locked(e);
  e.phase = Phase::established;
  e.peer = std::move(peer);
  return true;
}

bool ConnectionTable::remove(Id id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    uncount_locked(it->second);
    entries_.erase(it);
  }
  if (open_peak_ >= kTrimPeak && open_ <= open_peak_ / 4) {
    open_peak_ = open_;
    return true;
  }
  return false;
}

std::vector<ConnectionTable::Established> ConnectionTable::established_connections() const {
  std::vector<Established> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, e] : entries_) {
    if (!e.counted || e.phase != Phase::established) continue;
    if (auto c = e.connection.lock()) out.push_back({std::move(c), e.peer});
  }
  return out;
}

std::size_t ConnectionTable::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionTable::pre_handshake() const {
  std::lock_guard lock(mutex_);
  return pre_handshake_;
}

bool ConnectionTable::evict_locked(const PerAddress* own, Admission& out) {
  if (own != nullptr && !own->pre_handshake.empty()) {
    Entry* victim = nullptr;
    for (Id id : own->pre_handshake) {
      Entry& e = entries_.at(id);
      if (victim == nullptr || e.phase < victim->phase) victim = &e;
    }
    evict_locked(*victim, out);
    return true;
  }
  for (const auto& queue : queues_) {
    if (queue.empty()) continue;
    evict_locked(entries_.at(queue.front()), out);
    return true;
  }
  return false;
}

void ConnectionTable::evict_locked(Entry& victim, Admission& out) {
  out.evicted = victim.connection.lock();  // null if it is ending anyway
  out.evicted_reason = kEvictedReason[queue_of(victim.phase)];
  uncount_locked(victim);
}

void ConnectionTable::leave_pre_handshake_locked(Entry& e) {
  queues_[queue_of(e.phase)].erase(e.queued);
  addresses_.at(e.address).pre_handshake.erase(e.of_address);
  --pre_handshake_;
}

void ConnectionTable::uncount_locked(Entry& e) {
  if (!e.counted) return;
  e.counted = false;
  if (e.phase != Phase::established) leave_pre_handshake_locked(e);
  --open_;
  auto counts = addresses_.find(e.address);
  if (--counts->second.open == 0) addresses_.erase(counts);
}

}  // namespace hub::http
