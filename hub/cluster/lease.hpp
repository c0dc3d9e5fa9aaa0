// A named lease held in the store (store::Store::acquire_lease): what makes a piece of work run
// on one hub node at a time, and lets another node take it over, from the progress recorded,
// when its holder dies. API for the hub's jobs (the eligibility job, the events sweep, bulk
// jobs; docs/operations.md "Jobs that run once"):
//
//   auto lease = cluster::Lease::take(store, "job:bulk-prefill/42", cluster::node_id(), 15s);
//   if (!lease) -> the store failed; if (!*lease) -> another node holds it: try again later
//   start from (*lease)->progress() (what the previous holder checkpointed, "" at first);
//   after each step: if (!(*lease)->checkpoint(cursor)) stop: the lease was lost (the node was
//     too slow to renew within the ttl and another took over) or the store failed;
//   at the end: (*lease)->release(final progress), or forget() for a one-off claim.
//
// A holder must checkpoint (which renews) more often than the ttl; a step must be idempotent,
// since a holder killed after a step and before its checkpoint has the step done again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::cluster {

// This process's name among the nodes: host, process id and a random part (a restarted process
// is a new node: it never inherits the leases of the one that died).
const std::string& node_id();

class Lease {
 public:
  // The lease for this owner, or nullopt when another owner holds it and it has not expired.
  static Result<std::optional<Lease>> take(store::Store& store, std::string name, std::string owner,
                                           std::chrono::milliseconds ttl);

  const std::string& name() const { return name_; }
  // What the previous holder recorded: where to continue.
  const std::string& progress() const { return progress_; }
  // 1, 2, 3, ...: one more at each change of holder (a takeover when above the first holder's).
  std::int64_t fence() const { return fence_; }
  // Records progress and renews for the ttl; conflict/store::kLeaseLost when another holds it.
  Result<void> checkpoint(std::string progress);
  // Frees the lease at once, keeping the progress for the next holder.
  Result<void> release(std::string progress);
  // Frees the lease and deletes it (a claim on a piece of work that is done).
  Result<void> forget();

  // Whether this node's turn it is for a periodic job that one node of a cluster runs (journal
  // retention, the change feed's pruning): takes or keeps the lease `name` for `ttl` and leaves it
  // held, so the same node keeps the job while it lives, and another takes it over once a dead
  // holder's ttl has passed. A store that fails answers false (the job waits for its next turn).
  static bool turn(store::Store& store, const std::string& name, std::chrono::milliseconds ttl);

 private:
  Lease(store::Store& store, std::string name, std::string owner, std::chrono::milliseconds ttl,
        const store::LeaseGrant& grant);

  store::Store* store_;
  std::string name_;
  std::string owner_;
  std::chrono::milliseconds ttl_;
  std::int64_t fence_ = 0;
  std::string progress_;
};

}  // namespace hub::cluster
