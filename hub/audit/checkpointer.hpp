// The hub's signed checkpoints (docs/audit.md, "Checkpoints in the hub"): at a configured interval,
// while entries arrive, a checkpoint of the journal's tree as committed in the store is signed
// with the journal's key, optionally time-stamped by an RFC 3161 TSA, and stored; once a day,
// retention prunes the contents of entries older than the configured period (retention.hpp).
// One background thread; every hub node may run one (a tree size is signed once: the store keeps
// the first checkpoint of each size).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "hub/audit/note_signer.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/audit/tsa_client.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

struct CheckpointerOptions {
  // How often the tree is looked at; a checkpoint is signed only when it grew since the latest.
  std::chrono::milliseconds interval{10'000};
  std::optional<TsaOptions> tsa;
  // Entries older than this have their contents pruned, once a day; 0 keeps them for ever.
  std::chrono::milliseconds retention{0};
  // Told of each round that did something, for the metrics: "signed", "refused" (the tree does
  // not extend the latest checkpoint: no fork is signed), "failed" (the store),
  // "timestamp_failed" (stored without its time-stamp).
  std::function<void(std::string_view outcome, std::int64_t tree_size)> on_round{};
  // Asked before each retention run: whether this node runs it (the hub: a lease in the store,
  // so that one node of a cluster prunes; docs/operations.md "Jobs that run once"). Unset: always.
  std::function<bool()> retention_turn{};
};

class Checkpointer {
 public:
  // `signer`'s name is the log's origin.
  Checkpointer(store::Store& store, NoteSigner signer, CheckpointerOptions options);
  // Stops the background thread, if started.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Starts the background thread: a round every interval, retention at start and every 24 h.
  void start();

  // One round: when the stored tree holds more entries than the latest checkpoint, checks that it
  // extends that checkpoint (a consistency proof from the stored nodes, RFC 9162 2.1.4), signs a
  // checkpoint of it at `now` (the time as the extension line "time_ms <ms since the epoch>"),
  // time-stamps it when a TSA is configured, and stores it. Returns what it stored; nothing when
  // the tree did not grow or another hub node stored that size first. A tree that does not
  // extend the latest checkpoint is Errc::conflict, detail "checkpoint_inconsistent": the hub
  // never signs a fork of its own log.
  Result<std::optional<store::StoredCheckpoint>> round(std::chrono::system_clock::time_point now);

  // Retention once: prunes the contents of the entries older than options.retention at `now`
  // (retention.hpp) and returns how many; nothing when retention is off or it is another node's
  // turn (options.retention_turn).
  Result<std::optional<std::int64_t>> retain(std::chrono::system_clock::time_point now);

 private:
  Result<void> check_extends(const store::StoredCheckpoint& latest, std::uint64_t size,
                             const Hash& root);
  std::string timestamp(const std::string& note, std::uint64_t size);
  void run();
  void report(std::string_view outcome, std::int64_t size);

  store::Store& store_;
  NoteSigner signer_;
  CheckpointerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hub::audit
