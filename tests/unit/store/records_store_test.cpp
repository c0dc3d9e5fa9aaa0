// The registration-record primitives of hub::store, on both engines: a commit writes all of its
// streams or none, versions guard against lost updates, keys are unique, an idempotent answer is
// stored once, histories read as of a time, counters never give a number twice.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/store/store_on_engine.hpp"

namespace hub::store {
namespace {

RecordEvent event(std::string type, std::int64_t time_ms, std::string data = "{}") {
  RecordEvent e;
  e.type = std::move(type);
  e.time_ms = time_ms;
  e.principal = "agency-rabat";
  e.source = "client";
  e.correlation_id = "c-1";
  e.data = std::move(data);
  return e;
}

StreamWrite write(std::string stream, std::int64_t expected, std::vector<RecordEvent> events,
                  std::string state, std::vector<std::string> keys = {}) {
  StreamWrite w;
  w.stream = std::move(stream);
  w.kind = w.stream.substr(0, w.stream.find('/'));
  w.expected_version = expected;
  w.events = std::move(events);
  w.state = std::move(state);
  w.keys = std::move(keys);
  return w;
}

class RecordStoreTest : public StoreOnEngine {};

TEST_P(RecordStoreTest, CommitWritesEventsStateAndKeys) {
  RecordCommit c;
  c.writes.push_back(write("insured/1", 0, {event("registered", 10), event("rib.set", 10)},
                           R"({"v":2})", {"cnie/BK1"}));
  ASSERT_TRUE(store_->commit_records(c));

  auto rec = store_->read_record("insured/1");
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->version, 2);
  EXPECT_EQ((*rec)->kind, "insured");
  EXPECT_EQ((*rec)->state, R"({"v":2})");
  auto key = store_->find_record_key("cnie/BK1");
  ASSERT_TRUE(key && *key);
  EXPECT_EQ(**key, "insured/1");
  auto events = store_->record_events("insured/1", 1000);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].version, 1);
  EXPECT_EQ((*events)[1].type, "rib.set");
  EXPECT_EQ((*events)[1].principal, "agency-rabat");
  auto none = store_->read_record("insured/2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_P(RecordStoreTest, StaleVersionRefusesTheWholeCommit) {
  RecordCommit first;
  first.writes.push_back(write("insured/1", 0, {event("registered", 10)}, "{}"));
  ASSERT_TRUE(store_->commit_records(first));

  RecordCommit ok;
  ok.writes.push_back(write("insured/1", 1, {event("contact.changed", 20)}, R"({"x":1})"));
  ASSERT_TRUE(store_->commit_records(ok));

  // A second writer that read version 1 too: its update must not overwrite the first.
  RecordCommit stale;
  stale.writes.push_back(write("person/BK2", 0, {event("registered", 30)}, "{}", {"cnie/BK2"}));
  stale.writes.push_back(write("insured/1", 1, {event("contact.changed", 30)}, R"({"x":2})"));
  auto r = store_->commit_records(stale);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_EQ(r.error().detail, "stale_version");
  EXPECT_EQ((*store_->read_record("insured/1"))->state, R"({"x":1})");
  EXPECT_FALSE(*store_->read_record("person/BK2")) << "the commit must be all or nothing";
  EXPECT_FALSE(*store_->find_record_key("cnie/BK2"));
  EXPECT_EQ(store_->record_events("insured/1", 1000)->size(), 2u);

  // Creating a stream that exists is stale too.
  RecordCommit again;
  again.writes.push_back(write("insured/1", 0, {event("registered", 40)}, "{}"));
  auto a = store_->commit_records(again);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().detail, "stale_version");
}

TEST_P(RecordStoreTest, KeyHeldByAnotherStreamIsADuplicate) {
  RecordCommit first;
  first.writes.push_back(write("insured/1", 0, {event("registered", 10)}, "{}", {"cnie/BK1"}));
  ASSERT_TRUE(store_->commit_records(first));
  RecordCommit same_stream;
  same_stream.writes.push_back(write("insured/1", 1, {event("x", 11)}, "{}", {"cnie/BK1"}));
  EXPECT_TRUE(store_->commit_records(same_stream)) << "re-claiming one's own key is harmless";
  RecordCommit dup;
  dup.writes.push_back(write("insured/2", 0, {event("registered", 12)}, "{}", {"cnie/BK1"}));
  auto r = store_->commit_records(dup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "duplicate_key");
  EXPECT_FALSE(*store_->read_record("insured/2"));
}

TEST_P(RecordStoreTest, IdempotentAnswerIsStoredOnceWithItsChanges) {
  RecordCommit c;
  c.writes.push_back(write("insured/1", 0, {event("registered", 10)}, "{}"));
  c.answer = IdempotentAnswer{"agency", "k1", "h1", 201, R"({"n":1})", "\"1\"", 10};
  ASSERT_TRUE(store_->commit_records(c));
  auto a = store_->idempotent_answer("agency", "k1");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->status, 201);
  EXPECT_EQ((*a)->body, R"({"n":1})");
  EXPECT_EQ((*a)->request_hash, "h1");
  EXPECT_EQ((*a)->etag, "\"1\"");
  EXPECT_FALSE(*store_->idempotent_answer("other-agency", "k1"))
      << "keys belong to the principal that sent them";

  RecordCommit replay;
  replay.writes.push_back(write("insured/2", 0, {event("registered", 20)}, "{}"));
  replay.answer = IdempotentAnswer{"agency", "k1", "h1", 201, "{}", "", 20};
  auto r = store_->commit_records(replay);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "idempotent_replay");
  EXPECT_FALSE(*store_->read_record("insured/2")) << "a replay must not register twice";
}

TEST_P(RecordStoreTest, HistoryReadsAsOfATime) {
  RecordCommit c1;
  c1.writes.push_back(write("insured/1", 0, {event("registered", 100)}, "{}"));
  ASSERT_TRUE(store_->commit_records(c1));
  RecordCommit c2;
  c2.writes.push_back(write("insured/1", 1, {event("suspended", 200)}, "{}"));
  ASSERT_TRUE(store_->commit_records(c2));
  EXPECT_EQ(store_->record_events("insured/1", 99)->size(), 0u);
  EXPECT_EQ(store_->record_events("insured/1", 100)->size(), 1u);
  EXPECT_EQ(store_->record_events("insured/1", 199)->size(), 1u);
  EXPECT_EQ(store_->record_events("insured/1", 200)->size(), 2u);
}

TEST_P(RecordStoreTest, HistoryIsAppendOnly) {
  RecordCommit c;
  c.writes.push_back(write("insured/1", 0, {event("registered", 100)}, "{}"));
  ASSERT_TRUE(store_->commit_records(c));
  EXPECT_FALSE(db_->exec("UPDATE registry_events SET principal = 'mallory'"));
  EXPECT_FALSE(db_->exec("DELETE FROM registry_events"));
  EXPECT_EQ(store_->record_events("insured/1", 1000)->at(0).principal, "agency-rabat");
}

TEST_P(RecordStoreTest, ListsRecordsOfAKindInPages) {
  for (int i = 1; i <= 5; ++i) {
    RecordCommit c;
    c.writes.push_back(write("insured/" + std::to_string(i), 0, {event("r", i)}, "{}"));
    c.writes.push_back(write("employer/" + std::to_string(i), 0, {event("r", i)}, "{}"));
    ASSERT_TRUE(store_->commit_records(c));
  }
  auto p1 = store_->list_records("insured", "", 3);
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->size(), 3u);
  EXPECT_EQ(p1->front().stream, "insured/1");
  auto p2 = store_->list_records("insured", p1->back().stream, 3);
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->size(), 2u);
  EXPECT_EQ(p2->back().stream, "insured/5");
}

TEST_P(RecordStoreTest, ListsRecordsOfAKindByLabel) {
  for (int i = 1; i <= 5; ++i) {
    RecordCommit c;
    StreamWrite w = write("inbox/" + std::to_string(i), 0, {event("received", i)}, "{}");
    w.label = "recorded";
    c.writes.push_back(std::move(w));
    StreamWrite other = write("other/" + std::to_string(i), 0, {event("r", i)}, "{}");
    other.label = "recorded";  // the same label on another kind is not listed
    c.writes.push_back(std::move(other));
    ASSERT_TRUE(store_->commit_records(c));
  }
  for (int i : {2, 4}) {  // moved on: their label changes with their state
    RecordCommit c;
    StreamWrite w = write("inbox/" + std::to_string(i), 1, {event("applied", 10 + i)}, "{}");
    w.label = "applied";
    c.writes.push_back(std::move(w));
    ASSERT_TRUE(store_->commit_records(c));
  }
  auto p1 = store_->list_labelled("inbox", "recorded", "", 2);
  ASSERT_TRUE(p1) << p1.error().message;
  ASSERT_EQ(p1->size(), 2u);
  EXPECT_EQ(p1->at(0).stream, "inbox/1");
  EXPECT_EQ(p1->at(1).stream, "inbox/3");
  auto p2 = store_->list_labelled("inbox", "recorded", p1->back().stream, 2);
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->size(), 1u);
  EXPECT_EQ(p2->at(0).stream, "inbox/5");
  EXPECT_EQ(p2->at(0).label, "recorded");
  auto applied = store_->list_labelled("inbox", "applied", "", 10);
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->size(), 2u);
  EXPECT_EQ(applied->at(1).stream, "inbox/4");
  EXPECT_EQ(applied->at(1).version, 2);
  EXPECT_EQ((*store_->read_record("inbox/4"))->label, "applied");
  EXPECT_EQ(store_->list_records("inbox", "", 10)->size(), 5u);
}

// A database made before labels existed (schema 3) gets them when opened: the events inbox's
// records are labelled with their status, so pending events are found by the index at once.
TEST_P(RecordStoreTest, MigrationLabelsInboxRecordsWrittenBefore) {
  store_.reset();
  const bool sqlite = GetParam() == "sqlite";
  ASSERT_TRUE(db_->exec(
      std::string("DROP INDEX registry_records_by_label;"
                  "ALTER TABLE registry_records DROP COLUMN label;") +
      // The migrations after 4 are undone too, so that they apply again.
      "DROP TABLE hub_leases; DROP TABLE partner_quota_slices;"
      "DROP TABLE feed_outbox; DROP TABLE feed_outbox_head; DROP TABLE registry_members;"
      "ALTER TABLE audit_journal_head DROP COLUMN tree_size;"
      "DROP TABLE disclosures; DROP INDEX audit_journal_by_identifier;"
      "DROP TABLE prefill_jobs; DROP TABLE prefill_job_items; DROP TABLE prefill_job_errors;"
      "DROP TABLE registry_waits;" +
      (sqlite ? "DROP TRIGGER audit_journal_extends_chain; PRAGMA user_version = 3;"
                "DROP TRIGGER audit_journal_no_update; DROP TABLE audit_tree;"
                "DROP TABLE audit_checkpoints; ALTER TABLE audit_journal DROP COLUMN pruned_ms;"
              : "DROP TRIGGER audit_journal_extends_chain ON audit_journal;"
                "DROP FUNCTION audit_journal_extends_chain();"
                "DROP TABLE audit_tree; DROP TABLE audit_checkpoints;"
                "DROP FUNCTION audit_append_only();"
                "ALTER TABLE audit_journal DROP COLUMN pruned_ms;"
                "DROP FUNCTION hub_lease_quota; DROP FUNCTION hub_now_ms;"
                "DELETE FROM schema_version WHERE version >= 4;") +
      "INSERT INTO registry_records VALUES ('partner-event/dgct/e1', 'partner_event', 1,"
      " '{\"status\":\"recorded\"}', 1);"
      "INSERT INTO registry_records VALUES ('partner-event/dgct/e2', 'partner_event', 2,"
      " '{\"status\":\"applied\"}', 2);"
      "INSERT INTO registry_records VALUES ('insured/1', 'insured', 1, '{\"status\":\"x\"}', 3);"))
      << db_->last_error();
  auto s = open(db_->options());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*(*s)->schema_version(), 14);
  auto pending = (*s)->list_labelled("partner_event", "recorded", "", 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).stream, "partner-event/dgct/e1");
  EXPECT_EQ((*(*s)->read_record("partner-event/dgct/e2"))->label, "applied");
  EXPECT_EQ((*(*s)->read_record("insured/1"))->label, "") << "other kinds keep no label";
}

std::vector<MemberRef> members_of(Store& s, const std::string& key) {
  auto found = s.find_members(key);
  EXPECT_TRUE(found) << found.error().message;
  return found ? *found : std::vector<MemberRef>{};
}

// The member index: a person named by two records (a child in both parents' families) is found
// in both, and a write that sets a record's entries replaces them in its transaction.
TEST_P(RecordStoreTest, MemberIndexFindsEveryRecordNamingAPerson) {
  RecordCommit c;
  for (const char* stream : {"family/1", "family/2"}) {
    c.writes.push_back(write(stream, 0, {event("created", 10)}, "{}"));
    c.writes.back().members =
        std::vector<MemberEntry>{{"act/2201/2012", "k1"}, {"born/2012-09-30", "k1"}};
  }
  ASSERT_TRUE(store_->commit_records(c));
  auto both = members_of(*store_, "act/2201/2012");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].stream, "family/1");
  EXPECT_EQ(both[1].stream, "family/2");
  EXPECT_EQ(both[1].member, "k1");
  RecordCommit again;
  again.writes.push_back(write("family/2", 1, {event("changed", 11)}, "{}"));
  again.writes.back().members = std::vector<MemberEntry>{{"cnie/ZZ1", "k2"}};
  ASSERT_TRUE(store_->commit_records(again));
  EXPECT_EQ(members_of(*store_, "act/2201/2012").size(), 1u) << "family/2's entries replaced";
  ASSERT_EQ(members_of(*store_, "cnie/ZZ1").size(), 1u);
  EXPECT_EQ(members_of(*store_, "cnie/ZZ1")[0].member, "k2");
  RecordCommit untouched;
  untouched.writes.push_back(write("family/2", 2, {event("changed", 12)}, "{}"));
  ASSERT_TRUE(store_->commit_records(untouched));
  EXPECT_EQ(members_of(*store_, "cnie/ZZ1").size(), 1u) << "a write without entries keeps them";
  RecordCommit failed;
  failed.writes.push_back(write("family/1", 1, {event("changed", 13)}, "{}"));
  failed.writes.back().members = std::vector<MemberEntry>{};
  failed.writes.push_back(write("family/2", 1, {event("stale", 13)}, "{}"));
  ASSERT_FALSE(store_->commit_records(failed));
  EXPECT_EQ(members_of(*store_, "act/2201/2012").size(), 1u) << "a failed commit changes none";
}

// The waits index: a record waits for keys; a commit that writes one of them (a member's key, or
// a lookup key) marks it due, in the same transaction; the due ones are listed without the others,
// settled, ended; the expired ones are listed by their end.
TEST_P(RecordStoreTest, WaitsAreDueWhenACommitWritesAKeyTheyWaitFor) {
  RecordCommit c;
  for (int i = 1; i <= 3; ++i) {
    const std::string n = std::to_string(i);
    c.writes.push_back(write("partner_event/e" + n, 0, {event("recorded", 10)}, "{}"));
    c.writes.back().waits = Waits{{"cnie/W" + n, "born/2000-01-0" + n}, 1000 * i};
  }
  ASSERT_TRUE(store_->commit_records(c));
  auto due = store_->due_waits("", 10);
  ASSERT_TRUE(due) << due.error().message;
  EXPECT_TRUE(due->empty()) << "nothing written yet";
  EXPECT_EQ(*store_->count_labelled("partner_event", ""), 3);

  RecordCommit family;
  family.writes.push_back(write("family/1", 0, {event("created", 20)}, "{}"));
  family.writes.back().members = std::vector<MemberEntry>{{"born/2000-01-02", "k1"}};
  ASSERT_TRUE(store_->commit_records(family));
  RecordCommit person;
  person.writes.push_back(write("person/W3", 0, {event("registered", 20)}, "{}", {"cnie/W3"}));
  ASSERT_TRUE(store_->commit_records(person));
  EXPECT_EQ(*store_->due_waits("", 10),
            (std::vector<std::string>{"partner_event/e2", "partner_event/e3"}));
  EXPECT_EQ(*store_->due_waits("partner_event/e2", 10),
            std::vector<std::string>{"partner_event/e3"});
  ASSERT_TRUE(store_->settle_waits("partner_event/e2"));
  EXPECT_EQ(*store_->due_waits("", 10), std::vector<std::string>{"partner_event/e3"});

  RecordCommit failed;  // a failed commit marks nothing due
  failed.writes.push_back(write("family/2", 0, {event("created", 30)}, "{}"));
  failed.writes.back().members = std::vector<MemberEntry>{{"cnie/W1", "k1"}};
  failed.writes.push_back(write("family/1", 0, {event("stale", 30)}, "{}"));
  ASSERT_FALSE(store_->commit_records(failed));
  EXPECT_EQ(store_->due_waits("", 10)->size(), 1u);

  EXPECT_EQ(*store_->expired_waits(2000, "", 10),
            (std::vector<std::string>{"partner_event/e1", "partner_event/e2"}));
  ASSERT_TRUE(store_->end_waits("partner_event/e1"));
  RecordCommit done;  // a write that waits for nothing more
  done.writes.push_back(write("partner_event/e3", 1, {event("applied", 40)}, "{}"));
  done.writes.back().waits = Waits{};
  ASSERT_TRUE(store_->commit_records(done));
  EXPECT_TRUE(store_->due_waits("", 10)->empty());
  EXPECT_EQ(*store_->expired_waits(5000, "", 10), std::vector<std::string>{"partner_event/e2"});
}

// The migration that made the index fills it from the families stored before it.
TEST_P(RecordStoreTest, MigrationIndexesTheFamiliesStoredBefore) {
  store_.reset();
  const bool sqlite = GetParam() == "sqlite";
  ASSERT_TRUE(db_->exec(
      // The migrations after 9 are undone too, so that they apply again.
      std::string("DROP TABLE registry_members;"
                  "ALTER TABLE audit_journal_head DROP COLUMN tree_size;"
                  "DROP TABLE disclosures; DROP INDEX audit_journal_by_identifier;"
                  "DROP TABLE prefill_jobs; DROP TABLE prefill_job_items;"
                  "DROP TABLE prefill_job_errors; DROP TABLE registry_waits;") +
      (sqlite ? "PRAGMA user_version = 8;" : "DELETE FROM schema_version WHERE version >= 9;") +
      "INSERT INTO registry_records VALUES ('family/9', 'family', 1, '{\"members\":{"
      "\"s1\":{\"cnie\":\"AB1\",\"relation\":\"spouse\"},"
      "\"k1\":{\"birth_act\":{\"number\":\"7/2020\"},\"birth_date\":\"2020-01-02\","
      "\"cnie\":null}}}', 1, '');"
      "INSERT INTO registry_records VALUES ('insured/9', 'insured', 1,"
      " '{\"members\":{\"k1\":{\"cnie\":\"AB1\"}}}', 1, '');"))
      << db_->last_error();
  auto s = open(db_->options());
  ASSERT_TRUE(s) << s.error().message;
  auto spouse = members_of(**s, "cnie/AB1");
  ASSERT_EQ(spouse.size(), 1u) << "families only";
  EXPECT_EQ(spouse[0].stream, "family/9");
  EXPECT_EQ(spouse[0].member, "s1");
  ASSERT_EQ(members_of(**s, "act/7/2020").size(), 1u);
  EXPECT_EQ(members_of(**s, "born/2020-01-02")[0].member, "k1");
  EXPECT_TRUE(members_of(**s, "cnie/").empty()) << "a null CNIE is no key";
}

TEST_P(RecordStoreTest, CountersNeverGiveANumberTwiceUnderConcurrency) {
  std::vector<std::thread> threads;
  std::mutex m;
  std::set<std::int64_t> seen;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto n = store_->next_number("insured");
        if (!n) {
          ++failures;
          continue;
        }
        std::lock_guard lock(m);
        seen.insert(*n);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 100);
  EXPECT_EQ(*store_->next_number("employer"), 1) << "each counter counts on its own";
}

TEST_P(RecordStoreTest, ConcurrentWritersOfOneStreamLoseNoUpdate) {
  RecordCommit c;
  c.writes.push_back(write("insured/1", 0, {event("registered", 1)}, "0"));
  ASSERT_TRUE(store_->commit_records(c));
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        // Read, then write with the version read, retrying on a stale version.
        for (;;) {
          auto rec = store_->read_record("insured/1");
          if (!rec || !*rec) return;
          const auto v = (*rec)->version;
          RecordCommit u;
          u.writes.push_back(write("insured/1", v, {event("bump", 2)}, std::to_string(v)));
          auto r = store_->commit_records(u);
          if (r) {
            ++applied;
            break;
          }
          if (r.error().detail != "stale_version") return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied, 80);
  EXPECT_EQ((*store_->read_record("insured/1"))->version, 81);
  EXPECT_EQ(store_->record_events("insured/1", 1000)->size(), 81u);
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
