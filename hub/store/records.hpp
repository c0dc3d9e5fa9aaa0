// The registration records (hub/registry gives them their meaning), stored as event streams:
// every change is an appended event, and each stream keeps beside its events the state they fold
// to, so that reads do not replay history. The store never interprets events or states.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hub::store {

// One change to one record. Events are never updated nor deleted.
struct RecordEvent {
  std::int64_t seq = 0;      // order across every stream, assigned by the store
  std::string stream;        // "insured/100000018"
  std::int64_t version = 0;  // 1, 2, 3, ... within the stream, with no gap
  std::string type;          // "insured.registered"
  std::int64_t time_ms = 0;  // UTC, milliseconds since the Unix epoch
  std::string principal;     // who
  std::string reason;        // why, as the principal gave it (may be empty)
  std::string source;        // from where: "client", or the partner or job that caused it
  std::string correlation_id;
  std::string data;  // JSON
};

// The current state of a record: what its events fold to, and the version of the last one.
struct RecordState {
  std::string stream;
  std::string kind;  // "insured", "employer", "person", ...
  std::int64_t version = 0;
  std::string state;  // JSON
  std::int64_t updated_ms = 0;
  std::string label;  // see StreamWrite::label
};

// One entry of the member index (registry_members): a person a record names, under one of the
// person's keys ("cnie/BK123456", "act/2201/2012", "born/2012-09-30"), and where in the record
// ("k1"). A person may be named by several records (a child in both parents' families): the
// index finds every one, where a unique key (StreamWrite::keys) could hold only one.
struct MemberEntry {
  std::string key;
  std::string member;
};
// A record that names a person under a key, and where.
struct MemberRef {
  std::string stream;
  std::string member;
};

// What a record waits for (the waits index, registry_waits): keys of the member index or of the
// unique lookup keys ("cnie/BK123456", "act/77/2012", "born/2012-09-30"), until until_ms (UTC, ms
// since the epoch). A commit that writes any of those keys (StreamWrite::keys, or an entry of
// StreamWrite::members) marks the record due, in its transaction: the events inbox retries a
// waiting event only when a fact it waits for may have arrived (docs/registration.md, "Events that
// wait for facts").
struct Waits {
  std::vector<std::string> keys;
  std::int64_t until_ms = 0;
};

// Appends events to one stream. The write fails with conflict/"stale_version" when the stream's
// version is no longer expected_version (0: the stream must not exist yet).
struct StreamWrite {
  std::string stream;
  std::string kind;
  std::int64_t expected_version = 0;
  std::vector<RecordEvent> events;  // their versions follow expected_version
  std::string state;                // the state after the events
  // A short tag of that state, indexed with the kind, for records that must be found by it
  // without reading every record of their kind (the events inbox: "recorded" until applied).
  // "" when the kind has no use for one.
  std::string label;
  // Unique lookup keys this stream claims ("cnie/BK123456"); a key that another stream holds
  // fails the whole commit with conflict/"duplicate_key".
  std::vector<std::string> keys;
  // The record's member index: when set, replaces every entry the stream had, in the commit's
  // transaction, so that the index always says what the stored state says. nullopt: unchanged.
  std::optional<std::vector<MemberEntry>> members;
  // The record's waits: when set with keys, those keys are added to the stream's (not due; a key
  // it waits for already keeps its state, so that a fact written since the record was read is
  // not missed); set without keys, the stream waits for nothing more. nullopt: unchanged.
  std::optional<Waits> waits;
  // Whether the change feed carries this write: each of its events is appended to the outbox
  // (feed.hpp) in the commit's transaction. The registry sets it on registration records.
  bool feed = false;
};

// The first answer given to a request that carried an Idempotency-Key.
struct IdempotentAnswer {
  std::string principal;
  std::string key;
  std::string request_hash;  // of the method, target and body: a reuse with another request
  int status = 0;
  std::string body;
  std::string etag;
  std::int64_t time_ms = 0;
};

// What one request changes, written in one transaction: all of it, or nothing.
struct RecordCommit {
  std::vector<StreamWrite> writes;
  // Stored with the changes, so that an acknowledged request is never applied twice; a second
  // answer for the same (principal, key) fails the commit with conflict/"idempotent_replay".
  std::optional<IdempotentAnswer> answer;
};

}  // namespace hub::store
