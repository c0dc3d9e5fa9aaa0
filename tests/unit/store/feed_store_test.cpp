// The change feed's outbox (hub/store/feed.hpp), on both engines: a commit's feed events are
// appended with it or not at all, positions follow commit order with no gap whatever the number
// of writers and stores ("nodes") on one database, and pruning raises the pruned bound.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "unit/store/store_on_engine.hpp"

namespace hub::store {
namespace {

StreamWrite feed_write(std::string stream, std::int64_t expected, std::int64_t time_ms,
                       int events = 1, bool feed = true) {
  StreamWrite w;
  w.stream = std::move(stream);
  w.kind = w.stream.substr(0, w.stream.find('/'));
  w.expected_version = expected;
  for (int i = 0; i < events; ++i) {
    RecordEvent e;
    e.type = "insured.changed";
    e.time_ms = time_ms;
    e.principal = "agency-rabat";
    e.source = "client";
    e.data = "{}";
    w.events.push_back(std::move(e));
  }
  w.state = R"({"v":)" + std::to_string(expected + events) + "}";
  w.feed = feed;
  return w;
}

Result<void> commit_one(Store& s, StreamWrite w) {
  RecordCommit c;
  c.writes.push_back(std::move(w));
  return s.commit_records(c);
}

class FeedStoreTest : public StoreOnEngine {};

TEST_P(FeedStoreTest, FeedWritesAreAppendedWithTheirCommitOnly) {
  int woken = 0;
  store_->on_feed_append([&] { ++woken; });
  RecordCommit c;
  c.writes.push_back(feed_write("insured/1", 0, 10, 2));
  c.writes.push_back(feed_write("partner-event/dgct/1", 0, 10, 1, false));
  ASSERT_TRUE(store_->commit_records(c));
  // A stale write fails the whole commit: nothing of it reaches the outbox.
  EXPECT_FALSE(commit_one(*store_, feed_write("insured/1", 0, 11)));
  ASSERT_TRUE(commit_one(*store_, feed_write("insured/1", 2, 12)));
  EXPECT_EQ(woken, 2);

  auto page = store_->read_feed(0, 100);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->head, 3);
  EXPECT_EQ(page->pruned_through, 0);
  ASSERT_EQ(page->changes.size(), 3u);
  EXPECT_EQ(page->changes[0].position, 1);
  EXPECT_EQ(page->changes[0].version, 1);
  EXPECT_EQ(page->changes[1].version, 2);
  EXPECT_EQ(page->changes[1].state, R"({"v":2})");
  EXPECT_EQ(page->changes[2].position, 3);
  EXPECT_EQ(page->changes[2].version, 3);
  EXPECT_EQ(page->changes[2].kind, "insured");
  EXPECT_EQ(page->changes[2].stream, "insured/1");
  EXPECT_EQ(page->changes[2].type, "insured.changed");

  auto after = store_->read_feed(1, 1);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->changes.size(), 1u);
  EXPECT_EQ(after->changes[0].position, 2);
}

// Writers on two stores (two hub nodes on one database) commit concurrently while a reader pages
// through the feed: every page starts right after the reader's cursor and has no hole, and the
// reader ends with every change, each stream's versions in order.
TEST_P(FeedStoreTest, PositionsFollowCommitOrderWithNoGapUnderConcurrentWriters) {
  auto second = open(db_->options());
  ASSERT_TRUE(second) << second.error().message;
  Store* nodes[] = {store_.get(), second->get()};
  constexpr int kWriters = 4;
  constexpr int kCommits = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string stream = "insured/" + std::to_string(w);
      for (int i = 0; i < kCommits; ++i) {
        if (!commit_one(*nodes[w % 2], feed_write(stream, i, 100 + i))) ++failures;
      }
    });
  }
  std::int64_t cursor = 0;
  std::map<std::string, std::int64_t> last_version;
  std::string problem;
  auto read_some = [&] {
    auto page = nodes[1]->read_feed(cursor, 7);
    if (!page) {
      problem = page.error().message;
      return;
    }
    for (const auto& ch : page->changes) {
      if (ch.position != cursor + 1 && problem.empty()) {
        problem = "after " + std::to_string(cursor) + " came " + std::to_string(ch.position);
      }
      if (ch.version != last_version[ch.stream] + 1 && problem.empty()) {
        problem = ch.stream + " version " + std::to_string(ch.version) + " out of order";
      }
      last_version[ch.stream] = ch.version;
      cursor = ch.position;
    }
  };
  std::thread reader([&] {
    while (!done && problem.empty()) read_some();
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  read_some();
  read_some();
  while (problem.empty() && cursor < kWriters * kCommits) read_some();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(cursor, kWriters * kCommits);
  for (int w = 0; w < kWriters; ++w)
    EXPECT_EQ(last_version["insured/" + std::to_string(w)], kCommits);
}

TEST_P(FeedStoreTest, PruningRemovesAPrefixAndRaisesThePrunedBound) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(commit_one(*store_, feed_write("insured/1", i, 100 + i)));
  auto removed = store_->prune_feed(103);  // the changes at 100, 101 and 102
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);
  auto page = store_->read_feed(0, 100);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->pruned_through, 3);
  EXPECT_EQ(page->head, 5);
  ASSERT_EQ(page->changes.size(), 2u);
  EXPECT_EQ(page->changes[0].position, 4);
  auto nothing = store_->prune_feed(50);
  ASSERT_TRUE(nothing);
  EXPECT_EQ(*nothing, 0);
  // Everything pruned: the bound still says where the outbox ended.
  ASSERT_TRUE(store_->prune_feed(1000));
  page = store_->read_feed(5, 100);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->pruned_through, 5);
  EXPECT_TRUE(page->changes.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, FeedStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
