// The connections of one listener, by phase and by source address: who is admitted, who makes
// room for a newcomer, and which established sessions a change of trust must judge again.
//
// A connection is pre-handshake from its accept until its TLS handshake ends. Such connections
// cost the hub without proving anything, so they have a budget of their own, per listener and
// per source address. When the listener's budget is full, a pre-handshake connection is evicted
// rather than the newcomer refused: one of the newcomer's own address if it has any (an address
// cannot push out others' connections while it holds some), else anyone's; in both cases the one
// that has shown least: the oldest that has sent nothing, else the oldest whose ClientHello is
// incomplete, else the oldest whose handshake is under way. A real client sends its whole
// ClientHello at once (it has usually arrived when the hub accepts the connection), so an idle
// flood, or one that sends a few bytes and stalls, churns through its own connections instead of
// locking real clients out.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/tls/peer_chain.hpp"

namespace hub::http {

// The connection limits of one listener (conf/hub.yaml limits:, or the listener's own limits:).
struct ConnectionLimits {
  std::size_t max_connections = 1024;  // open on the listener, in every phase
  std::size_t max_pre_handshake = 256;
  std::size_t max_connections_per_address = 256;
  std::size_t max_pre_handshake_per_address = 256;
  // From accept to the ClientHello's first byte; a client sends it at once.
  std::chrono::milliseconds first_byte_timeout{2'000};
};

// A connection the table may have to close: it does so from the connection's own strand.
class Closable {
 public:
  virtual ~Closable() = default;
  // `why` is a metric label, e.g. "idle_pre_handshake" or "revoked".
  virtual void close_soon(std::string_view why) = 0;
};

// Thread-safe: one mutex, held for a few map operations (sessions run on many strands).
class ConnectionTable {
 public:
  using Id = std::uint64_t;

  // Where a connection stands; it only moves forward.
  enum class Phase {
    idle,           // nothing received
    partial_hello,  // the ClientHello's first record has begun, not ended
    handshaking,    // the ClientHello is in, the TLS handshake under way
    established,    // past the handshake: out of the pre-handshake budget
  };

  struct Admission {
    Id id = 0;  // 0: refused
    // max_connections (full of established connections), per_address,
    // per_address_pre_handshake.
    std::string_view refused;
    // Made room for the newcomer: already out of the counts, to be closed by the caller.
    std::shared_ptr<Closable> evicted;
    std::string_view evicted_reason;  // idle_pre_handshake, partial_client_hello,
                                      // stalled_handshake
  };

  struct Established {
    std::shared_ptr<Closable> connection;
    tls::PeerChain peer;
  };

  explicit ConnectionTable(ConnectionLimits limits);

  const ConnectionLimits& limits() const { return limits_; }

  // A connection just accepted from `address`, in `phase` (what it has sent already): admitted,
  // maybe by evicting a pre-handshake connection, or refused by a limit eviction cannot help.
  Admission admit(const std::string& address, std::weak_ptr<Closable> connection,
                  Phase phase = Phase::idle);
  // It has sent more: partial_hello or handshaking (a step back or to established is ignored).
  void progress(Id id, Phase phase);
  // The handshake has ended: out of the pre-handshake budget, kept with its peer's chain. False
  // when the connection was evicted meanwhile.
  bool established(Id id, tls::PeerChain peer);
  // The connection has ended (whether or not it was evicted). True when the open connections
  // have fallen to a quarter of a peak of at least 64 since the last time this said so: the
  // memory they held (TLS buffers, about 90 KB a connection) is then worth giving back to the
  // system, which glibc does not do by itself when it is spread through its heaps.
  bool remove(Id id);

  std::vector<Established> established_connections() const;
  std::size_t open() const;
  std::size_t pre_handshake() const;

 private:
  struct Entry {
    std::string address;
    Phase phase = Phase::idle;
    bool counted = true;                 // false once evicted: its slot was given to a newcomer
    std::list<Id>::iterator queued;      // in queues_[phase] until established
    std::list<Id>::iterator of_address;  // in its PerAddress::pre_handshake until established
    std::weak_ptr<Closable> connection;
    tls::PeerChain peer;
  };
  struct PerAddress {
    std::size_t open = 0;
    std::list<Id> pre_handshake;  // oldest first; at most max_pre_handshake_per_address
  };

  // Evicts the pre-handshake connection that has shown least, of `own` address if it has any;
  // false: none to evict.
  bool evict_locked(const PerAddress* own, Admission& out);
  void evict_locked(Entry& victim, Admission& out);
  void leave_pre_handshake_locked(Entry& e);
  void uncount_locked(Entry& e);

  const ConnectionLimits limits_;
  mutable std::mutex mutex_;
  Id next_id_ = 1;
  std::unordered_map<Id, Entry> entries_;
  std::unordered_map<std::string, PerAddress> addresses_;
  // The pre-handshake connections of each phase (idle, partial_hello, handshaking), oldest first.
  std::array<std::list<Id>, 3> queues_;
  std::size_t open_ = 0;
  std::size_t pre_handshake_ = 0;
  std::size_t open_peak_ = 0;
};

}  // namespace hub::http
