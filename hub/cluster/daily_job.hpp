// A job that must run once a day across every hub node (the eligibility job): whichever node
// finds today's run not done takes the job's lease and does it; a node killed mid-run lets the
// lease lapse, and the next node continues from the last checkpoint (docs/operations.md).
//
// Each run is recorded in the store as the stream job-run/<name>/<day> (kind job_run): one
// "job.started" event per holder that worked on it (with the cursor it started from and its
// fence) and one "job.finished" event, so that an operator sees who ran what and a test can
// prove the job ran once a day.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "hub/core/error.hpp"
#include "hub/registry/clock.hpp"
#include "hub/store/store.hpp"

namespace hub::cluster {

// Called after each page of work with the cursor past it; false: stop now (the lease was lost).
using Checkpoint = std::function<bool(const std::string& cursor)>;
// A day's work from `after` ("" from the start): the number of changes it made, or an error.
using DailyWork = std::function<Result<int>(const std::string& after, const Checkpoint&)>;

struct DailyJobOptions {
  std::string name;   // "eligibility": the lease is job:<name>
  std::string owner;  // this node (node_id())
  // The lease lapses this long after its holder's last checkpoint: how soon a dead node's run is
  // taken over. Every page of work must take less.
  std::chrono::milliseconds ttl{10'000};
};

struct DailyRun {
  std::string day;           // YYYY-MM-DD
  int changes = 0;           // made by this node's part of the run
  std::string resumed_from;  // the cursor this node started from ("" from the start)
  bool finished = false;     // false: stopped (lease lost), to be continued
  bool by_another = false;   // finished already, by this node or another: nothing was done now
};

class DailyJob {
 public:
  DailyJob(store::Store& store, const registry::Clock& clock, DailyJobOptions options,
           DailyWork work);

  // Runs today's work when no node has finished it and no live node holds it: the run this node
  // made (by_another when the day's run was found finished), nullopt when another node holds it.
  Result<std::optional<DailyRun>> tick();

 private:
  Result<void> record(const std::string& day, const std::string& type, const std::string& data);

  store::Store& store_;
  const registry::Clock& clock_;
  DailyJobOptions options_;
  DailyWork work_;
};

}  // namespace hub::cluster
