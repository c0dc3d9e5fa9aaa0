#include "hub/audit/journal_leaf.hpp"

#include "hub/audit/chain.hpp"

namespace hub::audit {

Hash journal_leaf_hash(const store::JournalEntry& e) {
  return leaf_hash(entry_bytes(e));
}

}  // namespace hub::audit
