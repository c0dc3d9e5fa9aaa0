// Journal entries that could not be written before the hub stopped (the store down, or the
// journal stopped by a broken chain), kept in a file of the data folder until the next start
// appends them first: nothing journaled is dropped at shutdown (docs/audit.md).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// Writes the entries' fields (not seq nor hashes: they are given when the entries are written)
// as JSON, one entry a line, to `path`, replacing it whole: a temporary file created owner-only
// (0600), synced, then renamed over it. The entries hold no identifier in clear.
Result<void> save_unwritten(const std::string& path,
                            const std::deque<store::JournalEntry>& entries);

// The entries a save left, in their order; none when there is no file. A line that is not an
// entry fails the whole load with its line number (the file is left as it is).
Result<std::vector<store::JournalEntry>> load_unwritten(const std::string& path);

}  // namespace hub::audit
