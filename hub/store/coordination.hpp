// What hub nodes sharing one store coordinate through it (docs/operations.md): named leases
// (a job that must run once, an event being applied) and slices of a partner's quota. Every
// time here is the store's own clock (PostgreSQL's clock_timestamp(); the process's clock for
// SQLite, which one process uses): nodes need no synchronised clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hub::store {

// A named lease: held by one owner at a time, until its holder releases it or it expires (a
// holder killed mid-work lets it lapse). A new holder gets a higher fence and reads the progress
// its predecessor recorded, to continue where it stopped.
struct LeaseGrant {
  bool held = false;               // true: the caller holds the lease now
  std::string holder;              // who holds it (the caller when held)
  std::int64_t fence = 0;          // 1, 2, 3, ...: one more at each change of holder
  std::int64_t expires_in_ms = 0;  // how long the holder keeps it unless renewed
  std::string progress;            // what the last holder recorded ("" at first)
};

// One node asking for a slice of a partner's quota: at most `per_window` calls in any window of
// `window_ms` across every node. The previous slice of this node (close_id), if any, is closed in
// the same round trip with the number of tokens it used and an upper bound of when it used the
// last one (ms after its grant), which frees what it did not use.
struct QuotaRequest {
  std::string partner;
  std::string node;
  std::int64_t per_window = 0;
  std::int64_t window_ms = 1000;
  std::int64_t want = 1;        // tokens wanted
  std::int64_t lease_ms = 500;  // how long the node may use them
  std::int64_t close_id = 0;    // 0: nothing to close
  std::int64_t close_used = 0;
  std::int64_t close_after_ms = 0;
};

struct QuotaGrant {
  std::int64_t id = 0;        // this slice, to close with the next request; 0 when none granted
  std::int64_t tokens = 0;    // 0 when the window is full
  std::int64_t lease_ms = 0;  // valid this long from the moment the request was sent
  // When tokens is 0: how long until a slice leaves the window (ask again then).
  std::int64_t retry_in_ms = 0;
};

}  // namespace hub::store
