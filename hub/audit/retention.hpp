// Retention of the exchange journal (docs/audit.md, "Retention"): the contents of entries older
// than the retention period (24 months for the disclosures it records) are erased, oldest first;
// each keeps its seq, time, chain hashes and its leaf in the Merkle tree, so that the chain still
// links and every inclusion and consistency proof, for any entry, still verifies.
#pragma once

#include <chrono>
#include <cstdint>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// Prunes every entry whose time is before now - retention and that the latest checkpoint covers
// (an entry is pruned only once a signed checkpoint commits to its leaf), in transactions of at
// most 10 000 entries. Returns how many entries it pruned.
Result<std::int64_t> prune_expired(store::Store& store, std::chrono::system_clock::time_point now,
                                   std::chrono::milliseconds retention);

}  // namespace hub::audit
