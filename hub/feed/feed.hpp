// The change feed for CNSS's business systems (docs/feed.md): GET /v1/changes pages through the
// store's outbox in commit order, masked for each consumer, and waits for the next commit when
// asked to (long polling).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/agreements/current.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/feed/mask.hpp"
#include "hub/feed/signal.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::feed {

// A reader's request: the changes after cursor `after`, `limit` at most, waiting up to `wait`
// for one when there is none yet.
struct Query {
  std::int64_t after = 0;
  std::size_t limit = 100;
  std::chrono::milliseconds wait{0};
};

// ?after=CURSOR (a position the feed gave; absent: from the start), ?limit=N (1 to max_limit,
// 100 when absent), ?wait=30s or 30 (seconds; cut to max_wait). invalid_input naming the
// parameter otherwise.
Result<Query> parse_query(std::string_view target, const config::FeedSettings& settings);

class Feed {
 public:
  // poll_other_nodes: other hub nodes commit to this database too (PostgreSQL): a waiting
  // reader then reads again every settings.poll, beside being woken by this node's commits.
  Feed(store::Store& store, registry::StorePool& pool, config::FeedSettings settings,
       bool poll_other_nodes);

  // Called after each local commit that appended to the outbox (store::Store::on_feed_append).
  void notify() { signal_.notify(); }
  // Where the consumers' agreements come from; until it is called (a hub without mappings) no
  // principal reads the feed. The three outlive the feed.
  void serve_agreements(agreements::Current& current, const mapping::Catalog& mappings,
                        const registry::Clock& clock);
  // The JSON page for `principal`: {"changes": [{"cursor", "kind", "id", "version", "type",
  // "at_ms", "state"}], "next", "head"}. Only the changes of the kinds its agreements list, each
  // state masked by them (mask.hpp); `next` is past the last change read, served or not, so a
  // consumer's cursor moves over the changes it may not see. Errors: forbidden/"no_agreement"
  // when no agreement in force lets the principal read the feed; gone/"cursor_pruned" when
  // changes after the cursor were pruned; invalid_input/"cursor_unknown" for a cursor past the
  // last change; store errors.
  boost::asio::awaitable<Result<std::string>> changes(std::string principal, Query query);
  // Removes the changes older than the retention at now_ms; the number removed.
  Result<std::int64_t> prune(std::int64_t now_ms);
  const config::FeedSettings& settings() const { return settings_; }

 private:
  Result<ConsumerMasks> masks_of(const std::string& principal);

  store::Store& store_;
  registry::StorePool& pool_;
  agreements::Current* agreements_ = nullptr;
  const mapping::Catalog* mappings_ = nullptr;
  const registry::Clock* clock_ = nullptr;
  config::FeedSettings settings_;
  bool poll_;
  Signal signal_;
};

}  // namespace hub::feed
