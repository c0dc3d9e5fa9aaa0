// An agreement's quota (issue 12; docs/partner-api.md, "Quotas"), shared by every hub node of one
// store: requests per second and identifiers per day, each counted in the store's sliding-window
// slices (store::Store::lease_quota, the counter the partner quotas of hub/cluster use). A node
// leases a few tokens at a time and spends them without a store round trip; the request that
// finds its slice spent asks for the next one, closing the previous with what it used. A window
// that is full answers 429 rate_limited/quota_exceeded with Retry-After: the hub never makes a
// partner's request wait for its quota.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "hub/agreements/agreement.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::partner {

class Quotas {
 public:
  // `node`: this node's name in the slices (cluster::node_id()).
  Quotas(store::Store& store, std::string node) : store_(store), node_(std::move(node)) {}

  // Takes one request (per second) and `identifiers` (per day: a batch counts each identifier)
  // from the agreement's quota. rate_limited/quota_exceeded with retry_after when either window
  // is full (nothing of the day's is taken when the second's is full); payload_too_large/
  // batch_exceeds_daily_quota (413, nothing taken) when `identifiers` is more than the whole
  // day's quota, which no wait would free; the store's error when it cannot be reached (fail
  // closed). Blocking: call it on the store's threads.
  Result<void> take(const agreements::Agreement& a, std::int64_t identifiers);

  struct Window {
    std::int64_t per_window = 0;
    std::int64_t window_ms = 0;
    // Tokens asked for at a time, and how long a node may spend them.
    std::int64_t batch = 1;
    std::int64_t lease_ms = 0;
  };
  // per_second as a window: a whole number per second, or one request every 1/per_second
  // seconds below 1.
  static Window per_second(double rate);
  static Window per_day(std::uint64_t per_day);

 private:
  struct Slice;
  Result<void> take_from(const std::string& key, const Window& w, std::int64_t n);
  Error refuse(const std::string& key, store::QuotaRequest q, const store::QuotaGrant& grant,
               Slice& slice);

  store::Store& store_;
  const std::string node_;
  std::mutex mutex_;  // guards slices_ (each slice has its own lock)
  std::map<std::string, std::shared_ptr<Slice>> slices_;
};

}  // namespace hub::partner
