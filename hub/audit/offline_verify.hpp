// Offline verification of a journal export (export_format.hpp) against the log's public key
// alone: no database, no hub configuration. In this order, stopping at the first failure, which
// it names:
//   1. every checkpoint: its signature by the key (c2sp.org/signed-note), its format
//      (c2sp.org/tlog-checkpoint), one origin for all, and no two of one tree size with
//      different roots (a fork);
//   2. every entry, in file order: the next seq, prev_hash equal to the previous entry's hash,
//      entry_hash equal to the hash of its fields (the chain, chain.hpp); its leaf appended to a
//      Merkle tree rebuilt in memory (journal_leaf.hpp);
//   3. at each checkpoint's tree size: its root equal to the rebuilt tree's, and a consistency
//      proof from the previous checkpoint (RFC 9162 2.1.4) that verifies;
//   4. at the end: the chain head, when exported, on the last entry; no checkpoint beyond the
//      last entry (a cut tail).
// A journal rewritten with every later hash recomputed, or cut with its head moved back, passes
// 2 and 4's head check; a checkpoint signed before the change finds it in 3 or 4.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/checkpoint.hpp"
#include "hub/audit/log_key.hpp"
#include "hub/audit/merkle_tree.hpp"
#include "hub/audit/node_store.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

struct OfflineReport {
  bool ok = true;
  std::uint64_t entries = 0;             // entries whose chain and leaf were checked
  std::uint64_t pruned = 0;              // of them, entries pruned by retention (contents erased)
  std::size_t checkpoints = 0;           // checkpoints whose root matched the rebuilt tree
  std::size_t timestamps = 0;            // RFC 3161 time-stamps checked (with a TSA CA)
  std::size_t timestamps_unchecked = 0;  // time-stamps in the export not checked (no TSA CA)
  std::string failed;                // what failed: "entry 7", "checkpoint <file>", "journal head"
  std::int64_t failed_entry = 0;     // the entry's seq, when an entry failed
  std::string failed_checkpoint;     // the checkpoint's file, when a checkpoint failed
  std::string problem;               // why, for an administrator
  std::optional<Checkpoint> latest;  // the largest checkpoint that matched
};

// The checks of a journal, fed in order: every checkpoint, then every entry, then finish().
// Once a check fails the report keeps that failure and later calls change nothing.
class OfflineVerifier {
 public:
  explicit OfflineVerifier(LogKey key);
  OfflineVerifier(const OfflineVerifier&) = delete;
  OfflineVerifier& operator=(const OfflineVerifier&) = delete;

  // `source` names the checkpoint in the report (its file).
  void add_checkpoint(const std::string& source, std::string_view note);
  void add_entry(const store::JournalEntry& e);
  // A line of journal.ndjson that could not be read as an entry.
  void add_unreadable_entry(std::size_t line, const std::string& why);
  // A journal-head.json that could not be read.
  void add_unreadable_head(const std::string& why);
  // The outcome of checking the RFC 3161 time-stamp over the checkpoint in `source`.
  void add_timestamp(const std::string& source, const Result<void>& checked);
  void add_unchecked_timestamp() { ++report_.timestamps_unchecked; }
  void finish(const std::optional<store::JournalHead>& head);

  const OfflineReport& report() const { return report_; }

 private:
  struct Signed {
    std::string source;
    Checkpoint checkpoint;
  };
  void fail_entry(std::int64_t seq, std::string problem);
  void fail_checkpoint(const std::string& source, std::string problem);
  void fail_head(std::string problem);
  void check_checkpoint_at(std::uint64_t size);

  LogKey key_;
  std::optional<std::string> origin_;
  std::map<std::uint64_t, Signed> signed_;  // by tree size
  MemoryNodeStore nodes_;
  MerkleTree tree_;
  std::string prev_hash_;
  std::optional<Signed> last_matched_;
  OfflineReport report_;
};

// Reads `dir` and runs every check, with `extra_checkpoints` (files a witness kept, say) checked
// alongside the export's own. An error means the export could not be read (no journal.ndjson, a
// file that cannot be opened); a journal that fails a check is a report with ok == false.
//
// With `tsa_ca` (the CA certificates of the TSA), every time-stamp in timestamps/ is checked too
// (timestamp.hpp): signed by a time-stamping certificate of that CA, over the checkpoint of its
// tree size, byte for byte.
Result<OfflineReport> verify_export(const std::filesystem::path& dir, const LogKey& key,
                                    const std::vector<std::filesystem::path>& extra_checkpoints,
                                    const std::optional<std::string>& tsa_ca = std::nullopt);

}  // namespace hub::audit
