// The change feed's outbox (docs/feed.md): every event of a write marked StreamWrite::feed is
// appended here in the transaction that commits the change itself, at a position that follows
// commit order with no gap. Readers page through it by position; old rows are pruned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/store/records.hpp"

namespace hub::store {

// One change as the outbox keeps it: the event's identity and the record's state after the write
// that carried it (unmasked: the feed masks it for each consumer when it serves it).
struct FeedChange {
  std::int64_t position = 0;  // 1, 2, 3, ... in commit order, with no gap
  std::string stream;         // "insured/100000018"
  std::string kind;           // "insured"
  std::int64_t version = 0;   // the event's version within its stream
  std::string type;           // "insured.registered"
  std::int64_t time_ms = 0;   // the event's time, UTC milliseconds since the Unix epoch
  std::string state;          // JSON: the record after the write
};

// What a reader sees in one snapshot: the changes after its cursor, and the outbox's bounds.
struct FeedPage {
  std::vector<FeedChange> changes;  // positions after the cursor, ascending, at most the limit
  std::int64_t head = 0;            // the last position committed (0: nothing yet)
  std::int64_t pruned_through = 0;  // positions up to this one were pruned (0: none)
};

// How many outbox rows a commit appends: the events of its writes marked StreamWrite::feed.
inline std::int64_t feed_events(const RecordCommit& commit) {
  std::int64_t n = 0;
  for (const auto& w : commit.writes) {
    if (w.feed) n += static_cast<std::int64_t>(w.events.size());
  }
  return n;
}

}  // namespace hub::store
