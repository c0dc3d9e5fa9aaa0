#include "hub/audit/journal_leaf.hpp"

#include <string>

#include "hub/audit/chain.hpp"

namespace hub::audit {

Hash journal_leaf_hash(const store::JournalEntry& e) {
  return leaf_hash(entry_bytes(e));
}

Result<Hash> entry_leaf(const store::JournalEntry& e) {
  if (e.pruned_ms == 0) return journal_leaf_hash(e);
  if (auto h = hash_from_hex(e.leaf_hash)) return *h;
  return make_error(Errc::invalid_input, "entry " + std::to_string(e.seq) +
                                             " is pruned and its kept leaf hash '" + e.leaf_hash +
                                             "' is not 64 hex digits");
}

}  // namespace hub::audit
