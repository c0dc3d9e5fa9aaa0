#include "hub/audit/retention.hpp"

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
  std::int64_t total = 0;
  for (;;) {
    auto pruned = store.prune_journal(before, (*latest)->tree_size, now_ms, kPruneBatch);
    if (!pruned) return pruned.error();
    total += *pruned;
    if (*pruned == 0) return total;
  }
}

}  // namespace hub::audit
