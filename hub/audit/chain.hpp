// The hash chain over the exchange journal: how an entry's hash is computed, and the check that
// recomputes every hash and link of a stored journal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// The previous entry's hash and every field of the entry (seq included), each written as a
// netstring ("<length>:<bytes>,"), with a version tag after prev_hash, so that no two different
// entries serialise to the same bytes (docs/audit.md, "The chain"). It is also the entry's leaf
// input in the Merkle tree (hub/audit/journal_leaf.hpp).
std::string entry_bytes(const store::JournalEntry& e);

// SHA-256 of entry_bytes(e); hex, lower case.
std::string entry_hash(const store::JournalEntry& e);

// Where the chain breaks at one entry, and why, for an administrator.
struct ChainBreak {
  std::int64_t seq = 0;
  std::string problem;
};

// The chain's rules for `e`, read where entry `expected` should be, after an entry whose hash is
// `prev` (store::kGenesisHash before entry 1): its seq, its prev_hash, and its entry_hash
// recomputed from its fields (not for an entry pruned by retention, whose fields are erased).
// Nothing when they hold.
std::optional<ChainBreak> check_link(const store::JournalEntry& e, std::int64_t expected,
                                     std::string_view prev);

struct VerifyReport {
  bool ok = true;
  std::int64_t entries = 0;    // entries that matched, from seq 1
  std::int64_t broken_at = 0;  // seq of the first entry that does not match; 0 when ok
  std::string problem;         // what does not match, for an administrator
};

// Walks the stored journal from seq 1: every seq present with no gap, every prev_hash equal to the
// hash of the entry before it, every entry_hash equal to the hash recomputed from the fields, the
// chain reaching the head recorded when the check started, and no entry stored past the head
// (one the journal writer, which moves the head with every batch, did not write). An error means
// the store could not be read; a broken chain is a report with ok == false.
Result<VerifyReport> verify_journal(store::Store& store);

}  // namespace hub::audit
