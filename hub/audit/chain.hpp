// The hash chain over the exchange journal: how an entry's hash is computed, and the check that
// recomputes every hash and link of a stored journal.
#pragma once

#include <cstdint>
#include <string>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// SHA-256 over the previous entry's hash and every field of the entry (seq included), each
// written as a netstring ("<length>:<bytes>,") after a version tag, so that no two different
// entries serialise to the same bytes. Hex, lower case.
std::string entry_hash(const store::JournalEntry& e);

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
