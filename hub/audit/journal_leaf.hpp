// What a journal entry is in the Merkle tree. Its leaf input is entry_bytes(e) (chain.hpp): the
// netstrings of prev_hash, the version tag and every field, the very bytes whose SHA-256 is the
// entry's chain hash. So a changed field changes both the chain hash and the leaf, and the leaf
// also commits to the chain link (prev_hash). The chain hash itself is not added: it is a
// function of these bytes, and would add nothing.
#pragma once

#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// leaf_hash(entry_bytes(e)): SHA-256(0x00 || entry_bytes(e)) (RFC 9162 2.1.1). Entry seq s is
// leaf s - 1.
Hash journal_leaf_hash(const store::JournalEntry& e);

// The entry's leaf hash as a verifier gets it: computed from its contents, or, for an entry
// pruned by retention (pruned_ms > 0, contents erased), the leaf kept beside it (leaf_hash).
// Errc::invalid_input when a pruned entry's kept leaf is not 64 hex digits.
Result<Hash> entry_leaf(const store::JournalEntry& e);

}  // namespace hub::audit
