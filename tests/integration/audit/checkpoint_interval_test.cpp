// The hub signs a checkpoint every configured interval while entries arrive, and none while
// none do (docs/audit.md, "Checkpoints in the hub"): a real hub (SQLite and PostgreSQL) whose
// audit: section sets checkpoint_interval_ms, with real exchanges through it over mutual TLS;
// the checkpoints are read back from its store.
#include <limits>

#include "integration/audit/evidence.hpp"

namespace {

using namespace evidence;

constexpr int kIntervalMs = 1500;

class CheckpointInterval : public JournalEvidence {
 protected:
  void tune(ts::HubOptions& o) override { o.audit_yaml = ts::audit_yaml(kIntervalMs); }

  std::vector<hub::store::StoredCheckpoint> stored() {
    std::vector<hub::store::StoredCheckpoint> out;
    auto s = hub::store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return out;
    EXPECT_TRUE((*s)->scan_checkpoints([&](const hub::store::StoredCheckpoint& c) {
      out.push_back(c);
      return true;
    }));
    return out;
  }
};

TEST_P(CheckpointInterval, OneEveryIntervalWhileEntriesArriveNoneWhileIdle) {
  // Entries arrive for seven intervals without a pause.
  const auto until = std::chrono::steady_clock::now() + 7 * std::chrono::milliseconds(kIntervalMs);
  while (std::chrono::steady_clock::now() < until) ASSERT_EQ(prefill(), 200u);
  const std::int64_t n = head_seq();
  ASSERT_TRUE(checkpoint_of_at_least(n));
  const auto checkpoints = stored();
  ASSERT_GE(checkpoints.size(), 3u) << "about one a round for seven rounds";
  std::int64_t shortest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 1; i < checkpoints.size(); ++i) {
    SCOPED_TRACE("checkpoint of " + std::to_string(checkpoints[i].tree_size) + " entries");
    EXPECT_GT(checkpoints[i].tree_size, checkpoints[i - 1].tree_size);
    const auto gap = checkpoints[i].signed_ms - checkpoints[i - 1].signed_ms;
    // The rounds are an interval apart (the clocks may differ by a few ms): never closer.
    EXPECT_GE(gap, kIntervalMs - 50);
    shortest = std::min(shortest, gap);
  }
  EXPECT_LT(shortest, 2 * kIntervalMs)
      << "with entries arriving all along, some round follows the previous one at once";
  EXPECT_EQ(checkpoints.back().tree_size, n);
  auto parsed = hub::audit::open_checkpoint(checkpoints.back().note, journal_key());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->size, static_cast<std::uint64_t>(n));
  EXPECT_EQ(hub::audit::to_hex(parsed->root), checkpoints.back().root);

  // No entry for three intervals: no checkpoint; then a prefill's entries: signed again.
  std::this_thread::sleep_for(3 * std::chrono::milliseconds(kIntervalMs));
  EXPECT_EQ(stored().size(), checkpoints.size()) << "a checkpoint without a new entry";
  ASSERT_EQ(prefill(), 200u);
  ASSERT_TRUE(checkpoint_of_at_least(head_seq()));
  const auto again = stored();
  EXPECT_GT(again.size(), checkpoints.size());
  EXPECT_EQ(again.back().tree_size, head_seq());
}

INSTANTIATE_TEST_SUITE_P(Engines, CheckpointInterval, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
