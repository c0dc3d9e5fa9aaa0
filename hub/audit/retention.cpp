#include "hub/audit/retention.hpp"

#include "hub/audit/journal_leaf.hpp"

namespace hub::audit {
namespace {

constexpr std::size_t kPruneBatch = 10'000;

}  // namespace

Result<std::int64_t> prune_expired(store::Store& store, std::chrono::system_clock::time_point now,
                                   std::chrono::milliseconds retention) {
  using namespace std::chrono;
  auto latest = store.latest_checkpoint();
  if (!latest) return latest.error();
  if (!*latest) return 0;
  const std::int64_t now_ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::int64_t before = now_ms - retention.count();
  // The tree does not store the leaves of entries that give them (journal_tree.hpp): each
  // pruned entry's is stored as it goes.
  static const store::JournalLeafHasher leaf = [](const store::JournalEntry& e) {
    return to_hex(journal_leaf_hash(e));
  };
  std::int64_t total = 0;
  for (;;) {
    auto pruned = store.prune_journal(before, (*latest)->tree_size, now_ms, kPruneBatch, leaf);
    if (!pruned) return pruned.error();
    total += *pruned;
    if (*pruned == 0) return total;
  }
}

}  // namespace hub::audit
