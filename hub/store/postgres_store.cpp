#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hub/store/store.hpp"

namespace hub::store {
namespace {

const char* const kMigrations[] = {
    "CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // 2: the exchange journal (hub/audit). Appenders lock the head row FOR UPDATE, so that
    // every hub node sharing this database extends the same chain; the triggers make an
    // accidental UPDATE, DELETE or TRUNCATE fail loudly (the chain catches the deliberate ones).
    "CREATE TABLE audit_journal ("
    " seq BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, principal TEXT NOT NULL,"
    " purpose TEXT NOT NULL, correlation_id TEXT NOT NULL, partner TEXT NOT NULL,"
    " operation TEXT NOT NULL, identifier_hmac TEXT NOT NULL, identifier_masked TEXT NOT NULL,"
    " outcome TEXT NOT NULL, latency_us BIGINT NOT NULL, response_sha256 TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL);"
    "CREATE TABLE audit_journal_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,"
    " hash TEXT NOT NULL);"
    "INSERT INTO audit_journal_head VALUES (1, 0, repeat('0', 64));"
    "CREATE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the exchange journal is append-only'; END$$;"
    "CREATE TRIGGER audit_journal_no_change BEFORE UPDATE OR DELETE ON audit_journal"
    " FOR EACH ROW EXECUTE FUNCTION audit_journal_append_only();"
    "CREATE TRIGGER audit_journal_no_truncate BEFORE TRUNCATE ON audit_journal"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_journal_append_only();",
    // 3: registration records (hub/registry): append-only event streams, the state each folds
    // to, the unique lookup keys, the first answers of idempotent requests, number counters.
    "CREATE TABLE registry_events ("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream TEXT NOT NULL,"
    " version BIGINT NOT NULL, type TEXT NOT NULL, time_ms BIGINT NOT NULL,"
    " principal TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL,"
    " correlation_id TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream, version));"
    "CREATE FUNCTION registry_events_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the registration history is append-only'; END$$;"
    "CREATE TRIGGER registry_events_no_change BEFORE UPDATE OR DELETE ON registry_events"
    " FOR EACH ROW EXECUTE FUNCTION registry_events_append_only();"
    "CREATE TRIGGER registry_events_no_truncate BEFORE TRUNCATE ON registry_events"
    " FOR EACH STATEMENT EXECUTE FUNCTION registry_events_append_only();"
    "CREATE TABLE registry_records (stream TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " version BIGINT NOT NULL, state TEXT NOT NULL, updated_ms BIGINT NOT NULL);"
    "CREATE INDEX registry_records_by_kind ON registry_records (kind, stream);"
    "CREATE TABLE registry_keys (key TEXT PRIMARY KEY, stream TEXT NOT NULL);"
    "CREATE TABLE registry_idempotency (principal TEXT NOT NULL, key TEXT NOT NULL,"
    " request_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
    " etag TEXT NOT NULL, time_ms BIGINT NOT NULL, PRIMARY KEY (principal, key));"
    "CREATE TABLE registry_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);",
    // 4: a label per record, indexed with its kind (StreamWrite::label). The events inbox is its
    // one user so far: its records written before this migration get their status as label.
    // Listings order streams bytewise (COLLATE "C", as SQLite does), so the indexes do too.
    "ALTER TABLE registry_records ADD COLUMN label TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX registry_records_by_label ON registry_records (kind, label, stream COLLATE "
    "\"C\");"
    "DROP INDEX registry_records_by_kind;"
    "CREATE INDEX registry_records_by_kind ON registry_records (kind, stream COLLATE \"C\");"
    "UPDATE registry_records SET label = coalesce(state::jsonb->>'status', '')"
    " WHERE kind = 'partner_event';",
    // 5: the journal grows only at its end: an inserted entry must follow the last stored one
    // (seq one more, prev_hash its entry_hash; seq 1 and the genesis value for the first). The
    // head moves once per batch, so rows are checked against the last row, found at once by the
    // primary key (a row-level BEFORE trigger sees the rows its statement inserted before); a
    // correctly chained row inserted past the head by someone else passes here, and is what the
    // writer's head check and `audit verify` catch.
    "CREATE FUNCTION audit_journal_extends_chain() RETURNS trigger LANGUAGE plpgsql AS $$"
    " DECLARE last_seq BIGINT; last_hash TEXT;"
    " BEGIN"
    "  SELECT seq, entry_hash INTO last_seq, last_hash FROM audit_journal"
    "   ORDER BY seq DESC LIMIT 1;"
    "  IF NOT FOUND THEN last_seq := 0; last_hash := repeat('0', 64); END IF;"
    "  IF NEW.seq IS DISTINCT FROM last_seq + 1 OR NEW.prev_hash IS DISTINCT FROM last_hash THEN"
    "   RAISE EXCEPTION 'the exchange journal only grows at its end: entry % does not follow"
    " entry % (an entry needs seq = the last seq + 1 and prev_hash = the last entry_hash)',"
    " NEW.seq, last_seq USING ERRCODE = 'check_violation';"
    "  END IF;"
    "  RETURN NEW;"
    " END$$;"
    "CREATE TRIGGER audit_journal_extends_chain BEFORE INSERT ON audit_journal"
    " FOR EACH ROW EXECUTE FUNCTION audit_journal_extends_chain();",
    // 6: coordination between hub nodes (coordination.hpp, docs/operations.md). Times are this
    // server's clock in ms (hub_now_ms), so that nodes need no synchronised clocks. Leases: one
    // row a name. Quota slices: the tokens each node was granted, counted while their use may
    // still fall in the sliding window; hub_lease_quota() closes a node's previous slice and
    // grants the next in one round trip, serialised per partner by a transaction-scoped
    // advisory lock (released at commit, or when a killed node's connection drops).
    "CREATE FUNCTION hub_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS"
    " $$SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint$$;"
    "CREATE TABLE hub_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, fence BIGINT NOT NULL,"
    " expires_ms BIGINT NOT NULL, progress TEXT NOT NULL);"
    "CREATE TABLE partner_quota_slices (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " partner TEXT NOT NULL, node TEXT NOT NULL, granted_ms BIGINT NOT NULL,"
    " expires_ms BIGINT NOT NULL, tokens BIGINT NOT NULL);"
    "CREATE INDEX partner_quota_slices_by_partner ON partner_quota_slices (partner, expires_ms);"
    "CREATE FUNCTION hub_lease_quota(p_partner TEXT, p_node TEXT, p_per_window BIGINT,"
    " p_window_ms BIGINT, p_want BIGINT, p_lease_ms BIGINT, p_close_id BIGINT,"
    " p_close_used BIGINT, p_close_after_ms BIGINT,"
    " OUT o_id BIGINT, OUT o_tokens BIGINT, OUT o_retry_in_ms BIGINT) LANGUAGE plpgsql AS $$"
    " DECLARE now_ms BIGINT; live BIGINT; first_out BIGINT;"
    " BEGIN"
    "  PERFORM pg_advisory_xact_lock(hashtext('cnss-quota:' || p_partner));"
    "  now_ms := hub_now_ms();"
    "  IF p_close_id > 0 THEN"
    "   UPDATE partner_quota_slices s SET tokens = least(s.tokens, greatest(p_close_used, 0)),"
    "    expires_ms = least(s.expires_ms, s.granted_ms + greatest(p_close_after_ms, 0))"
    "    WHERE s.id = p_close_id AND s.node = p_node AND s.partner = p_partner;"
    "  END IF;"
    "  DELETE FROM partner_quota_slices s"
    "   WHERE s.partner = p_partner AND s.expires_ms < now_ms - p_window_ms;"
    "  SELECT coalesce(sum(s.tokens), 0), min(s.expires_ms) INTO live, first_out"
    "   FROM partner_quota_slices s WHERE s.partner = p_partner;"
    "  o_tokens := least(p_want, p_per_window - live);"
    "  IF o_tokens > 0 THEN"
    "   INSERT INTO partner_quota_slices (partner, node, granted_ms, expires_ms, tokens)"
    "    VALUES (p_partner, p_node, now_ms, now_ms + p_lease_ms, o_tokens) RETURNING id INTO o_id;"
    "   o_retry_in_ms := 0;"
    "  ELSE"
    "   o_tokens := 0; o_id := 0;"
    "   o_retry_in_ms := greatest(coalesce(first_out + p_window_ms - now_ms, 0), 0) + 1;"
    "  END IF;"
    " END$$;",
    // 7: the journal's Merkle tree (RFC 9162): node (level, idx) is the root of leaves
    // [idx * 2^level, (idx + 1) * 2^level), written in the transaction that appends the entries;
    // the signed checkpoints; and retention: an entry's contents may be erased (pruned_ms set)
    // once a checkpoint covers it and its leaf is stored, its seq, time and hashes kept. Any
    // other change is still refused (the journal's append-only function now lets that one pass).
    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the journal''s % is append-only', TG_TABLE_NAME; END$$;"
    "CREATE TABLE audit_tree (level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY (level, idx));"
    "CREATE TRIGGER audit_tree_no_change BEFORE UPDATE OR DELETE ON audit_tree"
    " FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
    "CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();"
    "CREATE TABLE audit_checkpoints (tree_size BIGINT PRIMARY KEY, root TEXT NOT NULL,"
    " signed_ms BIGINT NOT NULL, note TEXT NOT NULL, timestamp TEXT NOT NULL);"
    "CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints"
    " FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
    "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();"
    "ALTER TABLE audit_journal ADD COLUMN pruned_ms BIGINT NOT NULL DEFAULT 0;"
    "CREATE OR REPLACE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "  IF TG_OP = 'UPDATE' AND OLD.pruned_ms = 0 AND NEW.pruned_ms > 0 AND NEW.seq = OLD.seq"
    "   AND NEW.time_ms = OLD.time_ms AND NEW.prev_hash = OLD.prev_hash"
    "   AND NEW.entry_hash = OLD.entry_hash AND NEW.principal = '' AND NEW.purpose = ''"
    "   AND NEW.correlation_id = '' AND NEW.partner = '' AND NEW.operation = ''"
    "   AND NEW.identifier_hmac = '' AND NEW.identifier_masked = '' AND NEW.outcome = ''"
    "   AND NEW.latency_us = 0 AND NEW.response_sha256 = ''"
    "   AND EXISTS (SELECT 1 FROM audit_tree WHERE level = 0 AND idx = OLD.seq - 1)"
    "   AND OLD.seq <= (SELECT coalesce(max(tree_size), 0) FROM audit_checkpoints) THEN"
    "   RETURN NEW;"
    "  END IF;"
    "  RAISE EXCEPTION 'the exchange journal is append-only: an entry can only be pruned (its"
    " contents erased; its seq, time, hashes and leaf kept; a checkpoint covering it)';"
    " END$$;",
    // 8: the change feed's outbox
    // (feed.hpp, docs/feed.md). A commit takes its positions from the head row as its last
    // statement and holds that row's lock until it commits: positions follow commit order with
    // no gap, whatever the number of connections and hub nodes (a sequence would not).
    "CREATE TABLE feed_outbox (position BIGINT PRIMARY KEY, stream TEXT NOT NULL,"
    " kind TEXT NOT NULL, version BIGINT NOT NULL, type TEXT NOT NULL,"
    " time_ms BIGINT NOT NULL, state TEXT NOT NULL);"
    "CREATE TABLE feed_outbox_head (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " position BIGINT NOT NULL, pruned_through BIGINT NOT NULL);"
    "INSERT INTO feed_outbox_head VALUES (1, 0, 0);",
    // 9: the member index
    // (records.hpp, MemberEntry): every record that names a person, by the person's keys, so
    // that a civil event about a child finds each family the child is in. Filled here from the
    // families already stored, under the keys the registry writes (families.cpp, member_index).
    "CREATE TABLE registry_members (key TEXT NOT NULL, stream TEXT NOT NULL,"
    " member TEXT NOT NULL, PRIMARY KEY (key, stream, member));"
    "CREATE INDEX registry_members_by_stream ON registry_members (stream);"
    "INSERT INTO registry_members (key, stream, member)"
    " SELECT p.prefix || (m.value #>> p.path), r.stream, m.key FROM registry_records r"
    " CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.state::jsonb -> 'members') ="
    " 'object' THEN r.state::jsonb -> 'members' ELSE '{}'::jsonb END) m"
    " CROSS JOIN (VALUES ('cnie/', '{cnie}'::text[]), ('act/', '{birth_act,number}'::text[]),"
    " ('born/', '{birth_date}'::text[])) AS p(prefix, path)"
    " WHERE r.kind = 'family' AND jsonb_typeof(m.value #> p.path) = 'string'"
    " ON CONFLICT DO NOTHING;",
    // 10: the journal's tree keeps its nodes from level 4 up (hub/audit/journal_tree.hpp's
    // kFirstStoredLevel): those below are computed again from the 16 entries under them, except
    // a pruned entry's leaf, which its contents can no longer give. The tree's size, which the
    // leaves gave, is kept in the head row.
    "ALTER TABLE audit_journal_head ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0;"
    "UPDATE audit_journal_head SET tree_size ="
    " (SELECT coalesce(max(idx) + 1, 0) FROM audit_tree WHERE level = 0);"
    "ALTER TABLE audit_tree DISABLE TRIGGER audit_tree_no_change;"
    "DELETE FROM audit_tree t WHERE t.level < 4 AND NOT (t.level = 0 AND EXISTS (SELECT 1"
    " FROM audit_journal j WHERE j.seq = t.idx + 1 AND j.pruned_ms > 0));"
    "ALTER TABLE audit_tree ENABLE TRIGGER audit_tree_no_change;",
    // 11: the disclosures index
    // (disclosures.hpp, docs/audit.md "Disclosures"), and the journal's entries by identifier
    // hash, for the lists of who received what about a person or an employer.
    "CREATE TABLE disclosures (id BIGSERIAL PRIMARY KEY, time_ms BIGINT NOT NULL,"
    " subject_hmac TEXT NOT NULL, identifier_masked TEXT NOT NULL, principal TEXT NOT NULL,"
    " agreement TEXT NOT NULL, purpose TEXT NOT NULL, resource TEXT NOT NULL,"
    " fields TEXT NOT NULL, outcome TEXT NOT NULL, correlation_id TEXT NOT NULL);"
    "CREATE INDEX disclosures_by_subject ON disclosures (subject_hmac, id);"
    "CREATE INDEX disclosures_by_time ON disclosures (time_ms);"
    "CREATE INDEX audit_journal_by_identifier ON audit_journal (identifier_hmac, seq);",
    // 12: bulk prefill jobs (jobs.hpp, docs/jobs.md): a job, its items one a line of the file
    // (the primary key keeps them in line order: what the runner and the results read), and its
    // errors counted by code.
    "CREATE TABLE prefill_jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, purpose TEXT NOT NULL,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, total BIGINT NOT NULL, done BIGINT NOT NULL,"
    " created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL);"
    "CREATE INDEX prefill_jobs_by_state ON prefill_jobs (state, created_ms);"
    "CREATE TABLE prefill_job_items (job TEXT NOT NULL, line BIGINT NOT NULL,"
    " identifier TEXT NOT NULL, state TEXT NOT NULL, status INTEGER NOT NULL,"
    " error TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (job, line));"
    "CREATE TABLE prefill_job_errors (job TEXT NOT NULL, code TEXT NOT NULL,"
    " items BIGINT NOT NULL, PRIMARY KEY (job, code));",
    // 13 (docs/jobs.md "Disclosures"): the bulk prefill job that
    // disclosed a row of the disclosures index ('' for a partner's pull).
    "ALTER TABLE disclosures ADD COLUMN job TEXT NOT NULL DEFAULT ''",
    // 14: the waits index (records.hpp, Waits): the keys a waiting record (a partner event no
    // family concerns yet) waits for; a commit that writes one marks it due. The partial index
    // is what the events sweep reads: those due, whatever the number waiting.
    "CREATE TABLE registry_waits (key TEXT NOT NULL, stream TEXT NOT NULL,"
    " until_ms BIGINT NOT NULL, due BOOLEAN NOT NULL DEFAULT false,"
    " PRIMARY KEY (key, stream));"
    "CREATE INDEX registry_waits_by_stream ON registry_waits (stream);"
    "CREATE INDEX registry_waits_due ON registry_waits (stream COLLATE \"C\") WHERE due;"
    "CREATE INDEX registry_waits_by_end ON registry_waits (until_ms);",
};

constexpr const char* kJournalColumns =
    "seq, time_ms, principal, purpose, correlation_id, partner, operation, identifier_hmac,"
    " identifier_masked, outcome, latency_us, response_sha256, prev_hash, entry_hash";
// What a scan reads: the columns, then retention's (a pruned entry's leaf from the tree).
constexpr const char* kJournalScanColumns =
    "seq, time_ms, principal, purpose, correlation_id, partner, operation, identifier_hmac,"
    " identifier_masked, outcome, latency_us, response_sha256, prev_hash, entry_hash, pruned_ms,"
    " CASE WHEN pruned_ms > 0 THEN coalesce((SELECT t.hash FROM audit_tree t WHERE t.level = 0"
    " AND t.idx = audit_journal.seq - 1), '') ELSE '' END";
constexpr const char* kCheckpointColumns = "tree_size, root, signed_ms, note, timestamp";
// Where retention remembers the last entry it pruned (entries are pruned oldest first).
constexpr const char* kPrunedThroughKey = "audit_journal_pruned_through";
// Tree nodes per INSERT or SELECT statement (three or two parameters each).
constexpr std::size_t kNodeChunk = 10'000;
constexpr int kScanPage = 512;
// Job items per INSERT or UPDATE statement (seven or five parameters each).
constexpr std::size_t kItemChunk = 1'000;
// Each statement of a journal append, the head's row lock included, waits at most this long.
constexpr const char* kJournalStatementTimeout = "SET LOCAL statement_timeout = '5s'";

// What a client is told to wait when PostgreSQL cannot be reached.
constexpr std::chrono::seconds kUnavailableRetry{2};

Error unavailable(std::string message) {
  auto e = make_error(Errc::store_unavailable, std::move(message), "store_unavailable");
  e.retry_after = kUnavailableRetry;
  return e;
}

// A lost connection, or a server shutting down or starting (SQLSTATE class 08, 57P01-57P03),
// passes: store_unavailable with a Retry-After; any other failure is the statement's own.
Error pg_error(PGconn* c, const std::string& what, const PGresult* r = nullptr) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  std::string message = "postgresql: " + what + ": " + PQerrorMessage(c);
  if (PQstatus(c) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03") {
    return unavailable(std::move(message));
  }
  return make_error(Errc::internal, std::move(message), "store_error");
}

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

Result<void> exec(PGconn* c, const std::string& sql) {
  PgResult r(PQexec(c, sql.c_str()), &PQclear);
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return pg_error(c, "cannot run " + sql, r.get());
  }
  return {};
}

Result<PgResult> query(PGconn* c, const std::string& sql, const std::vector<std::string>& params,
                       const std::string& what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResult r(PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          nullptr, nullptr, 0),
             &PQclear);
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_error(c, what, r.get());
  return r;
}

// A statement's name on a connection, from its text.
std::string statement_name(std::string_view sql) {
  char name[24];
  const auto h = std::hash<std::string_view>{}(sql);
  const auto end = std::to_chars(name, name + sizeof name, h, 16).ptr;
  return "cnss_" + std::string(name, end);
}

// Statements sent together and answered after one round trip instead of one each (libpq's
// pipeline mode, PostgreSQL 14+: https://www.postgresql.org/docs/15/libpq-pipeline-mode.html).
// Once a statement fails the server skips the others up to the sync (and an explicit transaction
// is left failed, for the caller to roll back). For small batches only: the connection stays in
// blocking mode, so the server's answers (command tags, a few rows) must fit in the socket's
// buffers while the statements are sent. Given the names of the statements the connection has
// prepared, a statement with parameters is prepared on the connection at its first use and run
// by name after that: PostgreSQL then parses and plans it once a connection, not at each run.
class Pipeline {
 public:
  using Prepared = std::unordered_set<std::string>;
  explicit Pipeline(PGconn* c, Prepared* prepared = nullptr)
      : c_(c), prepared_(prepared), entered_(PQenterPipelineMode(c) == 1) {}
  ~Pipeline() { leave(); }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Queues a statement; its result is results()'s element of the same rank (from 0).
  void send(const char* sql, const std::vector<std::string>& params, const char* what) {
    if (!entered_ || sent_failed_) return;
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    const int n = static_cast<int>(values.size());
    if (prepared_ == nullptr || params.empty()) {
      sent_failed_ =
          PQsendQueryParams(c_, sql, n, nullptr, values.data(), nullptr, nullptr, 0) != 1;
      sent_.push_back({what, {}});
      return;
    }
    std::string name = statement_name(sql);
    // Counted as prepared from now on, so that the pipeline prepares it once; forgotten again
    // below if the preparation fails.
    if (prepared_->insert(name).second) {
      sent_failed_ = PQsendPrepare(c_, name.c_str(), sql, n, nullptr) != 1;
      sent_.push_back({what, name});  // a preparation: its result is not the caller's
    }
    if (PQsendQueryPrepared(c_, name.c_str(), n, values.data(), nullptr, nullptr, 0) != 1) {
      sent_failed_ = true;
    }
    sent_.push_back({what, {}});
  }

  // Sends the sync and reads every statement's result, in order. A lost connection is an error
  // (store_unavailable, as for query()); a statement's own failure is left in its result, for
  // the caller to read in order with failed() (a conflict found by an earlier statement explains
  // a later one's failure).
  Result<std::vector<PgResult>> results() {
    if (!entered_) return pg_error(c_, "cannot enter pipeline mode");
    if (sent_failed_ || !sync()) return pg_error(c_, "cannot send a pipeline");
    std::vector<PgResult> out;
    out.reserve(sent_.size());
    for (const auto& sent : sent_) {
      PgResult r(PQgetResult(c_), &PQclear);
      if (!r) return pg_error(c_, sent.what);
      // Each statement's result is followed by a null that ends it.
      while (PGresult* extra = PQgetResult(c_)) PQclear(extra);
      if (sent.prepares.empty()) {
        whats_.push_back(sent.what);
        out.push_back(std::move(r));
      } else if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        prepared_->erase(sent.prepares);
      }
    }
    if (!leave()) return pg_error(c_, "cannot end a pipeline");
    return out;
  }

  // The failure of the statement of rank i, if it failed (or was skipped after one that did).
  std::optional<Error> failed(std::size_t i, const PgResult& r) const {
    const auto st = PQresultStatus(r.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return std::nullopt;
    return pg_error(c_, whats_[i], r.get());
  }

 private:
  // Reads what is left up to the sync and leaves pipeline mode; false if the connection broke.
  bool leave() {
    if (!entered_) return true;
    if (!synced_ && !sync()) return false;  // what was queued goes, to be read and dropped
    for (int guard = 0; guard < 4096 && PQpipelineStatus(c_) != PQ_PIPELINE_OFF; ++guard) {
      if (PQexitPipelineMode(c_) == 1) break;
      PGresult* r = PQgetResult(c_);
      if (r == nullptr && PQstatus(c_) != CONNECTION_OK) return false;
      PQclear(r);
    }
    entered_ = PQpipelineStatus(c_) != PQ_PIPELINE_OFF;
    return !entered_;
  }

  bool sync() {
    synced_ = true;
    return PQpipelineSync(c_) == 1;
  }

  struct Sent {
    const char* what;
    std::string prepares;  // the name a preparation gives; empty for a statement run
  };

  PGconn* c_;
  Prepared* prepared_;
  bool entered_;
  bool sent_failed_ = false;
  bool synced_ = false;
  std::vector<Sent> sent_;
  std::vector<const char*> whats_;  // the caller's statements' descriptions, by rank
};

// query() for a statement run again and again: prepared on the connection at its first use (its
// name then in `prepared`), run by name after that, so that PostgreSQL parses and plans it once a
// connection.
Result<PgResult> query_prepared(PGconn* c, Pipeline::Prepared* prepared, const std::string& sql,
                                const std::vector<std::string>& params, const std::string& what) {
  const std::string name = statement_name(sql);
  const int n = static_cast<int>(params.size());
  if (!prepared->contains(name)) {
    PgResult made(PQprepare(c, name.c_str(), sql.c_str(), n, nullptr), &PQclear);
    if (PQresultStatus(made.get()) != PGRES_COMMAND_OK) return pg_error(c, what, made.get());
    prepared->insert(name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResult r(PQexecPrepared(c, name.c_str(), n, values.data(), nullptr, nullptr, 0), &PQclear);
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_error(c, what, r.get());
  return r;
}

std::int64_t int64_at(PGresult* r, int row, int col) {
  const char* s = PQgetvalue(r, row, col);
  std::int64_t v = 0;
  std::from_chars(s, s + PQgetlength(r, row, col), v);
  return v;
}

// Rows changed by an INSERT, UPDATE or DELETE.
int affected(PGresult* r) {
  return std::atoi(PQcmdTuples(r));
}

std::string text_at(PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

JournalEntry read_entry(PGresult* r, int row) {
  JournalEntry e;
  e.seq = int64_at(r, row, 0);
  e.time_ms = int64_at(r, row, 1);
  e.principal = text_at(r, row, 2);
  e.purpose = text_at(r, row, 3);
  e.correlation_id = text_at(r, row, 4);
  e.partner = text_at(r, row, 5);
  e.operation = text_at(r, row, 6);
  e.identifier_hmac = text_at(r, row, 7);
  e.identifier_masked = text_at(r, row, 8);
  e.outcome = text_at(r, row, 9);
  e.latency_us = int64_at(r, row, 10);
  e.response_sha256 = text_at(r, row, 11);
  e.prev_hash = text_at(r, row, 12);
  e.entry_hash = text_at(r, row, 13);
  e.pruned_ms = int64_at(r, row, 14);
  e.leaf_hash = text_at(r, row, 15);
  return e;
}

StoredCheckpoint read_checkpoint(PGresult* r, int row) {
  return StoredCheckpoint{int64_at(r, row, 0), text_at(r, row, 1), int64_at(r, row, 2),
                          text_at(r, row, 3), text_at(r, row, 4)};
}

// "($1, $2), ($3, $4)...": `rows` rows of `per_row` parameters, numbered from `first`. `casts`,
// when given, types the first row's parameters (a bare VALUES list needs them; the other rows
// follow the first).
std::string placeholder_rows(std::size_t rows, int per_row,
                             const std::vector<const char*>& casts = {}, int first = 1) {
  std::string sql;
  int n = first - 1;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int f = 0; f < per_row; ++f) {
      if (f > 0) sql += ", ";
      sql += '$' + std::to_string(++n);
      if (r == 0 && static_cast<std::size_t>(f) < casts.size()) sql += casts[f];
    }
    sql += ")";
  }
  return sql;
}

// Stored tree nodes in the order of `ids`, one query per kNodeChunk nodes.
Result<std::vector<std::string>> read_tree_nodes(PGconn* c, const std::vector<TreeNodeId>& ids) {
  std::map<std::pair<int, std::int64_t>, std::string> found;
  for (std::size_t at = 0; at < ids.size(); at += kNodeChunk) {
    const std::size_t n = std::min(kNodeChunk, ids.size() - at);
    std::vector<std::string> params;
    for (std::size_t i = 0; i < n; ++i) {
      params.push_back(std::to_string(ids[at + i].level));
      params.push_back(std::to_string(ids[at + i].index));
    }
    auto r = query(c,
                   "SELECT level, idx, hash FROM audit_tree WHERE (level, idx) IN (VALUES " +
                       placeholder_rows(n, 2, {"::smallint", "::bigint"}) + ")",
                   params, "cannot read the journal tree");
    if (!r) return r.error();
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      found[{static_cast<int>(int64_at(r->get(), i, 0)), int64_at(r->get(), i, 1)}] =
          text_at(r->get(), i, 2);
    }
  }
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = found.find({id.level, id.index});
    if (it == found.end()) {
      return make_error(Errc::not_found,
                        "the journal tree's node (" + std::to_string(id.level) + ", " +
                            std::to_string(id.index) + ") is not stored",
                        "tree_node_missing");
    }
    out.push_back(it->second);
  }
  return out;
}

Result<void> insert_tree_nodes(PGconn* c, const std::vector<TreeNode>& nodes,
                               const char* on_conflict = "") {
  for (std::size_t at = 0; at < nodes.size(); at += kNodeChunk) {
    const std::size_t n = std::min(kNodeChunk, nodes.size() - at);
    std::vector<std::string> params;
    params.reserve(n * 3);
    for (std::size_t i = 0; i < n; ++i) {
      params.push_back(std::to_string(nodes[at + i].id.level));
      params.push_back(std::to_string(nodes[at + i].id.index));
      params.push_back(nodes[at + i].hash);
    }
    auto r = query(
        c,
        "INSERT INTO audit_tree (level, idx, hash) VALUES " + placeholder_rows(n, 3) + on_conflict,
        params, "cannot add to the journal tree");
    if (!r) return r.error();
  }
  return {};
}

// Entries first_seq to last_seq, as a scan reads them.
Result<std::vector<JournalEntry>> read_entries(PGconn* c, std::int64_t first_seq,
                                               std::int64_t last_seq) {
  auto r = query(c,
                 std::string("SELECT ") + kJournalScanColumns +
                     " FROM audit_journal WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
                 {std::to_string(first_seq), std::to_string(last_seq)}, "cannot read the journal");
  if (!r) return r.error();
  std::vector<JournalEntry> out;
  out.reserve(static_cast<std::size_t>(PQntuples(r->get())));
  for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(read_entry(r->get(), i));
  return out;
}

// The nodes of `entries` (after size_before leaves), reading the tree in c's transaction.
Result<std::vector<TreeNode>> build_tree_nodes(PGconn* c, const JournalTreeBuilder& build,
                                               std::int64_t size_before,
                                               const std::vector<JournalEntry>& entries) {
  const TreeReader read{
      [c](const std::vector<TreeNodeId>& ids) { return read_tree_nodes(c, ids); },
      [c](std::int64_t first, std::int64_t last) { return read_entries(c, first, last); }};
  return build(read, size_before, entries);
}

// Several statements in one round trip (the simple query protocol), each one's result in order;
// the first that fails ends them, with its error.
Result<std::vector<PgResult>> exec_all(PGconn* c, const char* sql, const std::string& what) {
  if (PQsendQuery(c, sql) != 1) return pg_error(c, what);
  std::vector<PgResult> out;
  std::optional<Error> failed;
  while (PGresult* r = PQgetResult(c)) {
    PgResult owned(r, &PQclear);
    const auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      out.push_back(std::move(owned));
    } else if (!failed) {
      failed = pg_error(c, what, r);
    }
  }
  if (failed) return *failed;
  return out;
}

Result<std::int64_t> tree_size_of(PGconn* c) {
  auto r = query(c, "SELECT tree_size FROM audit_journal_head WHERE id = 1", {},
                 "cannot read the journal tree's size");
  if (!r) return r.error();
  return int64_at(r->get(), 0, 0);
}

// A PostgreSQL array literal, {"a","b"} or {1,2}, built value by value: how a whole batch goes
// in one statement whose text does not depend on its size (unnest), where a VALUES list of
// 14 parameters a row made the server parse a new statement of thousands of parameters per batch.
// The text is the journal's own: valid UTF-8 without NUL (journal.cpp), so escaping the double
// quote and the backslash is all the escaping the array syntax needs.
class ArrayLiteral {
 public:
  void add(std::string_view v) {
    open();
    text_ += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\') text_ += '\\';
      text_ += ch;
    }
    text_ += '"';
  }
  void add(std::int64_t v) {
    open();
    text_ += std::to_string(v);
  }
  std::string done() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  void open() { text_ += text_.empty() ? '{' : ','; }
  std::string text_;
};

// The parameters of kAppendSql for a sealed batch, its tree's nodes and the head after it.
std::vector<std::string> append_params(const std::vector<JournalEntry>& entries,
                                       const std::vector<TreeNode>& nodes, const JournalHead& head,
                                       bool with_tree) {
  std::vector<ArrayLiteral> columns(17);
  for (const auto& e : entries) {
    int i = 0;
    for (std::int64_t v : {e.seq, e.time_ms}) columns[i++].add(v);
    for (const std::string* v :
         {&e.principal, &e.purpose, &e.correlation_id, &e.partner, &e.operation, &e.identifier_hmac,
          &e.identifier_masked, &e.outcome}) {
      columns[i++].add(*v);
    }
    columns[i++].add(e.latency_us);
    for (const std::string* v : {&e.response_sha256, &e.prev_hash, &e.entry_hash}) {
      columns[i++].add(*v);
    }
  }
  for (const auto& n : nodes) {
    columns[14].add(static_cast<std::int64_t>(n.id.level));
    columns[15].add(n.id.index);
    columns[16].add(n.hash);
  }
  std::vector<std::string> params;
  params.reserve(20);
  for (const auto& c : columns) params.push_back(c.done());
  params.push_back(std::to_string(head.seq));
  params.push_back(head.hash);
  params.push_back(with_tree ? "true" : "false");
  return params;
}

// A journal append's one write: the entries in seq order (the insert trigger checks each against
// the last), the tree's nodes, and the head (with the tree's size when the tree was built).
const std::string& append_sql() {
  static const std::string sql =
      std::string("WITH entries AS (INSERT INTO audit_journal (") + kJournalColumns +
      ") SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
      " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[],"
      " $13::text[], $14::text[]) ORDER BY 1),"
      " nodes AS (INSERT INTO audit_tree (level, idx, hash)"
      " SELECT * FROM unnest($15::smallint[], $16::bigint[], $17::text[]))"
      " UPDATE audit_journal_head SET seq = $18, hash = $19,"
      " tree_size = CASE WHEN $20::boolean THEN $18 ELSE tree_size END WHERE id = 1";
  return sql;
}

// At most `size` connections, opened when first needed and reused; a caller waits while all are
// lent out. A connection that broke is reset before it is lent again.
class Pool {
 public:
  Pool(std::string url, std::size_t size)
      : url_(std::move(url)), size_(std::max<std::size_t>(size, 1)) {}
  ~Pool() {
    for (auto* c : idle_) PQfinish(c);
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Pool* pool, PGconn* conn, Pipeline::Prepared* prepared)
        : pool_(pool), conn_(conn), prepared_(prepared) {}
    Lease(Lease&& o) noexcept
        : pool_(o.pool_), conn_(std::exchange(o.conn_, nullptr)), prepared_(o.prepared_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->release(conn_);
    }
    PGconn* get() const { return conn_; }
    // The statements this connection has prepared (Pipeline's), for its lessee alone.
    Pipeline::Prepared* prepared() const { return prepared_; }

   private:
    Pool* pool_;
    PGconn* conn_;
    Pipeline::Prepared* prepared_;
  };

  Result<Lease> acquire() {
    PGconn* c = nullptr;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
      if (!idle_.empty()) {
        c = idle_.back();
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    bool reconnected = false;
    if (c == nullptr) {
      c = connect();
      reconnected = true;
    } else if (!alive(c)) {
      // The server closed it (a restart, a failover, a proxy cut): reconnect now rather than
      // fail the borrower's first statement.
      PQreset(c);
      set_up_session(c);
      reconnected = true;
    }
    if (PQstatus(c) != CONNECTION_OK) {
      auto e = unavailable(std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(c));
      PQfinish(c);
      std::lock_guard lock(mutex_);
      prepared_.erase(c);
      --open_;
      cv_.notify_one();
      return e;
    }
    Pipeline::Prepared* prepared = nullptr;
    {
      std::lock_guard lock(mutex_);
      prepared = &prepared_[c];  // nodes stay put as the map grows
    }
    if (reconnected) prepared->clear();  // a new session has none
    return Lease(this, c, prepared);
  }

 private:
  // Connects, waiting kConnectTimeout at most unless the URL sets its own connect_timeout, with
  // TCP keepalives so that a server gone silent is noticed.
  PGconn* connect() {
    const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "dbname", nullptr};
    const char* values[] = {"3", "1", "10", url_.c_str(), nullptr};
    PGconn* c = PQconnectdbParams(keys, values, 1);
    // libpq prints NOTICEs ("relation already exists, skipping") on stderr, where they would
    // break the hub's one-JSON-object-a-line log.
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    set_up_session(c);
    return c;
  }

  // The large values (records' states, events' data, stored answers: JSON of a few kB) are
  // compressed with LZ4 rather than PostgreSQL's default pglz, the server's first cost in a
  // registration (docs/performance.md). A server built without LZ4 refuses the setting and keeps
  // pglz: values written either way read the same.
  static void set_up_session(PGconn* c) {
    if (PQstatus(c) == CONNECTION_OK) PQclear(PQexec(c, "SET default_toast_compression = 'lz4'"));
  }

  // Whether an idle connection is still open, without a round trip: a server that ended the
  // session left its socket readable (an error message, or the end of the stream).
  static bool alive(PGconn* c) {
    if (PQstatus(c) != CONNECTION_OK) return false;
    pollfd p{PQsocket(c), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return true;
    return PQconsumeInput(c) == 1 && PQstatus(c) == CONNECTION_OK;
  }

  void release(PGconn* c) {
    // A lease left inside a transaction (an error path that could not roll back) must not hand
    // its half-done work to the next borrower.
    if (PQtransactionStatus(c) != PQTRANS_IDLE) (void)exec(c, "ROLLBACK");
    std::lock_guard lock(mutex_);
    idle_.push_back(c);
    cv_.notify_one();
  }

  std::string url_;
  std::size_t size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<PGconn*> idle_;
  std::size_t open_ = 0;
  std::unordered_map<PGconn*, Pipeline::Prepared> prepared_;  // by connection
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, std::size_t pool_size) : pool_(std::move(url), pool_size) {}

  std::string engine() const override { return "postgresql"; }

  Result<int> version_locked(PGconn* c) {
    if (auto r = exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !r) {
      return r.error();
    }
    auto r = query(c, "SELECT COALESCE(MAX(version), 0) FROM schema_version", {},
                   "cannot read the schema version");
    if (!r) return r.error();
    return static_cast<int>(int64_at(r->get(), 0, 0));
  }

  Result<int> schema_version() override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return version_locked(lease->get());
  }

  Result<void> migrate() {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    // One hub node migrates at a time, whatever the number of nodes starting together.
    if (auto r = exec(c, "SELECT pg_advisory_lock(424242)"); !r) return r;
    auto v = version_locked(c);
    Result<void> result;
    if (!v) result = v.error();
    const int target = static_cast<int>(std::size(kMigrations));
    for (int i = v ? *v : target; result && i < target; ++i) {
      result = exec(c, "BEGIN");
      if (result) result = exec(c, kMigrations[i]);
      if (result) {
        result = exec(c, "INSERT INTO schema_version VALUES (" + std::to_string(i + 1) + ")");
      }
      if (result) {
        result = exec(c, "COMMIT");
      } else {
        (void)exec(c, "ROLLBACK");
      }
    }
    (void)exec(c, "SELECT pg_advisory_unlock(424242)");
    return result;
  }

  Result<void> ping() override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return exec(lease->get(), "SELECT 1");
  }

  Result<JournalHead> append_journal(std::vector<JournalEntry>& entries, const JournalSealer& seal,
                                     const JournalTreeBuilder& tree) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    auto out = append_in_transaction(c, lease->prepared(), entries, seal, tree);
    if (out) {
      if (auto r = exec(c, "COMMIT"); !r) out = r.error();
    }
    if (!out) (void)exec(c, "ROLLBACK");
    return out;
  }

  Result<std::int64_t> extend_tree(std::size_t limit, const JournalTreeBuilder& build) override {
    return in_journal_transaction<std::int64_t>(
        [&](PGconn* c) { return extend_tree_in_transaction(c, limit, build); });
  }

  Result<std::int64_t> tree_size() override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return tree_size_of(lease->get());
  }

  Result<std::vector<std::string>> tree_nodes(const std::vector<TreeNodeId>& ids) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return read_tree_nodes(lease->get(), ids);
  }

  Result<std::vector<JournalEntry>> journal_entries(std::int64_t first_seq,
                                                    std::int64_t last_seq) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return read_entries(lease->get(), first_seq, last_seq);
  }

  Result<bool> add_checkpoint(const StoredCheckpoint& cp) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "INSERT INTO audit_checkpoints (tree_size, root, signed_ms, note, timestamp)"
                   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING",
                   {std::to_string(cp.tree_size), cp.root, std::to_string(cp.signed_ms), cp.note,
                    cp.timestamp},
                   "cannot store a checkpoint");
    if (!r) return r.error();
    return affected(r->get()) == 1;
  }

  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override {
    return one_checkpoint(std::string("SELECT ") + kCheckpointColumns +
                              " FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1",
                          {});
  }

  Result<std::optional<StoredCheckpoint>> checkpoint_at(std::int64_t tree_size) override {
    return one_checkpoint(std::string("SELECT ") + kCheckpointColumns +
                              " FROM audit_checkpoints WHERE tree_size = $1",
                          {std::to_string(tree_size)});
  }

  Result<void> scan_checkpoints(const CheckpointVisitor& visit) override {
    const std::string sql =
        std::string("SELECT ") + kCheckpointColumns +
        " FROM audit_checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT " +
        std::to_string(kScanPage);
    for (std::int64_t after = -1;;) {
      std::vector<StoredCheckpoint> page;
      {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto r = query(lease->get(), sql, {std::to_string(after)}, "cannot read the checkpoints");
        if (!r) return r.error();
        for (int i = 0; i < PQntuples(r->get()); ++i) page.push_back(read_checkpoint(r->get(), i));
      }
      for (const auto& cp : page) {
        if (!visit(cp)) return {};
      }
      if (page.size() < static_cast<std::size_t>(kScanPage)) return {};
      after = page.back().tree_size;
    }
  }

  Result<std::int64_t> prune_journal(std::int64_t before_ms, std::int64_t up_to_seq,
                                     std::int64_t pruned_ms, std::size_t limit,
                                     const JournalLeafHasher& leaf) override {
    return in_journal_transaction<std::int64_t>([&](PGconn* c) {
      return prune_in_transaction(c, before_ms, up_to_seq, pruned_ms, limit, leaf);
    });
  }

  Result<JournalHead> journal_head() override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(), "SELECT seq, hash FROM audit_journal_head WHERE id = 1", {},
                   "cannot read the journal head");
    if (!r) return r.error();
    if (PQntuples(r->get()) != 1) {
      return make_error(Errc::internal, "postgresql: the journal head row is missing",
                        "store_error");
    }
    return JournalHead{int64_at(r->get(), 0, 0), text_at(r->get(), 0, 1)};
  }

  Result<void> scan_journal(std::int64_t from_seq, const JournalVisitor& visit) override {
    const std::string sql = std::string("SELECT ") + kJournalScanColumns +
                            " FROM audit_journal WHERE seq >= $1 ORDER BY seq LIMIT " +
                            std::to_string(kScanPage);
    for (std::int64_t next = from_seq;;) {
      std::vector<JournalEntry> page;
      {
        // The connection goes back to the pool before the visitor runs: a visitor that uses the
        // store must not wait for the connection its own scan holds.
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto r = query(lease->get(), sql, {std::to_string(next)}, "cannot read the journal");
        if (!r) return r.error();
        const int rows = PQntuples(r->get());
        for (int i = 0; i < rows; ++i) page.push_back(read_entry(r->get(), i));
      }
      for (const auto& e : page) {
        if (!visit(e)) return {};
      }
      if (page.size() < static_cast<std::size_t>(kScanPage)) return {};
      next = page.back().seq + 1;
    }
  }

 private:
  // Runs `write` in a transaction whose statements each wait at most kJournalStatementTimeout: a
  // lock held from outside (or a stalled server) fails the batch after that long, as SQLite's
  // busy timeout does, rather than keep the writer, and its shutdown, waiting.
  template <class T, class F>
  Result<T> in_journal_transaction(F&& write) {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    if (auto r = exec(c, "BEGIN"); !r) return r.error();
    if (auto r = exec(c, kJournalStatementTimeout); !r) {
      (void)exec(c, "ROLLBACK");
      return r.error();
    }
    Result<T> out = write(c);
    if (out) {
      if (auto r = exec(c, "COMMIT"); !r) out = r.error();
    }
    if (!out) (void)exec(c, "ROLLBACK");
    return out;
  }

  // The row lock serialises appenders across connections, processes and hub nodes; under READ
  // COMMITTED a waiter then reads the head its predecessor committed.
  static Result<JournalHead> lock_head(PGconn* c) {
    auto r = query(c, "SELECT seq, hash FROM audit_journal_head WHERE id = 1 FOR UPDATE", {},
                   "cannot lock the journal head");
    if (!r) return r.error();
    if (PQntuples(r->get()) != 1) {
      return make_error(Errc::internal, "postgresql: the journal head row is missing",
                        "store_error");
    }
    return JournalHead{int64_at(r->get(), 0, 0), text_at(r->get(), 0, 1)};
  }

  Result<std::int64_t> extend_tree_in_transaction(PGconn* c, std::size_t limit,
                                                  const JournalTreeBuilder& build) {
    auto head = lock_head(c);
    if (!head) return head.error();
    auto size = tree_size_of(c);
    if (!size || *size >= head->seq) return size;
    auto entries = read_entries(
        c, *size + 1, std::min<std::int64_t>(head->seq, *size + static_cast<std::int64_t>(limit)));
    if (!entries) return entries.error();
    if (entries->empty()) return *size;
    auto nodes = build_tree_nodes(c, build, *size, *entries);
    if (!nodes) return nodes.error();
    if (auto added = insert_tree_nodes(c, *nodes); !added) return added.error();
    const auto grown = *size + static_cast<std::int64_t>(entries->size());
    auto u = query(c, "UPDATE audit_journal_head SET tree_size = $1 WHERE id = 1",
                   {std::to_string(grown)}, "cannot record the journal tree's size");
    if (!u) return u.error();
    return grown;
  }

  Result<std::optional<StoredCheckpoint>> one_checkpoint(const std::string& sql,
                                                         const std::vector<std::string>& params) {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(), sql, params, "cannot read a checkpoint");
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<StoredCheckpoint>();
    return std::optional<StoredCheckpoint>(read_checkpoint(r->get(), 0));
  }

  // Stores the leaves of entries first to last that are not pruned yet, as level-0 nodes.
  static Result<void> keep_leaves(PGconn* c, std::int64_t first, std::int64_t last,
                                  const JournalLeafHasher& leaf) {
    auto pruning = read_entries(c, first, last);
    if (!pruning) return pruning.error();
    std::vector<TreeNode> leaves;
    for (const auto& e : *pruning) {
      if (e.pruned_ms == 0) leaves.push_back({{0, e.seq - 1}, leaf(e)});
    }
    return insert_tree_nodes(c, leaves, " ON CONFLICT DO NOTHING");
  }

  static Result<std::int64_t> prune_in_transaction(PGconn* c, std::int64_t before_ms,
                                                   std::int64_t up_to_seq, std::int64_t pruned_ms,
                                                   std::size_t limit,
                                                   const JournalLeafHasher& leaf) {
    // One pruner at a time: the mark is read and moved under this row's lock.
    auto mark = query(c,
                      "INSERT INTO hub_meta (key, value) VALUES ($1, '0') ON CONFLICT (key)"
                      " DO UPDATE SET value = hub_meta.value RETURNING value",
                      {kPrunedThroughKey}, "cannot read the journal's pruning mark");
    if (!mark) return mark.error();
    const std::string through = text_at(mark->get(), 0, 0);
    // Oldest first, stopping at the first entry too recent: the pruned entries are a prefix.
    auto pick = query(c,
                      "SELECT seq, time_ms FROM audit_journal WHERE seq > $1 AND seq <= $2"
                      " ORDER BY seq LIMIT $3",
                      {through, std::to_string(up_to_seq), std::to_string(limit)},
                      "cannot read the journal");
    if (!pick) return pick.error();
    std::string last = through;
    for (int i = 0; i < PQntuples(pick->get()) && int64_at(pick->get(), i, 1) < before_ms; ++i) {
      last = std::to_string(int64_at(pick->get(), i, 0));
    }
    if (last == through) return 0;
    const auto seq = [](const std::string& v) { return std::strtoll(v.c_str(), nullptr, 10); };
    if (auto kept = keep_leaves(c, seq(through) + 1, seq(last), leaf); !kept) return kept.error();
    auto update =
        query(c,
              "UPDATE audit_journal SET principal = '', purpose = '', correlation_id = '',"
              " partner = '', operation = '', identifier_hmac = '', identifier_masked = '',"
              " outcome = '', latency_us = 0, response_sha256 = '', pruned_ms = $1"
              " WHERE seq > $2 AND seq <= $3 AND pruned_ms = 0",
              {std::to_string(pruned_ms), through, last}, "cannot prune the journal");
    if (!update) return update.error();
    const std::int64_t pruned = affected(update->get());
    auto moved = query(c, "UPDATE hub_meta SET value = $2 WHERE key = $1",
                       {kPrunedThroughKey, last}, "cannot record the journal's pruning");
    if (!moved) return moved.error();
    return pruned;
  }

  // Three round trips whatever the batch's size: the transaction begun with the head locked and
  // the entries from it read (one message), the write (append_sql()), and the commit. The tree
  // builder reads the store only when another writer appended since its last batch.
  static Result<JournalHead> append_in_transaction(PGconn* c, Pipeline::Prepared* prepared,
                                                   std::vector<JournalEntry>& entries,
                                                   const JournalSealer& seal,
                                                   const JournalTreeBuilder& tree) {
    // The row lock serialises appenders across connections, processes and hub nodes; under READ
    // COMMITTED the last statement, which starts after the lock is taken, reads what the
    // previous holder committed.
    static const std::string begin =
        std::string("BEGIN; ") + kJournalStatementTimeout +
        "; SELECT seq, hash FROM audit_journal_head WHERE id = 1 FOR UPDATE;"
        " SELECT seq, entry_hash FROM audit_journal WHERE seq >= (SELECT greatest(seq, 1)"
        " FROM audit_journal_head WHERE id = 1) ORDER BY seq LIMIT 2";
    auto locked = exec_all(c, begin.c_str(), "cannot lock the journal head");
    if (!locked) return locked.error();
    if (locked->size() != 4 || PQntuples((*locked)[2].get()) != 1) {
      return make_error(Errc::internal, "postgresql: the journal head row is missing",
                        "store_error");
    }
    PGresult* h = (*locked)[2].get();
    PGresult* end = (*locked)[3].get();
    JournalHead head{int64_at(h, 0, 0), text_at(h, 0, 1)};
    std::vector<JournalHead> from_head;
    for (int i = 0; i < PQntuples(end); ++i) {
      from_head.push_back({int64_at(end, i, 0), text_at(end, i, 1)});
    }
    if (auto agree = head_agrees(head, from_head); !agree) return agree.error();
    const std::int64_t size_before = head.seq;
    for (auto& e : entries) {
      e.seq = head.seq + 1;
      e.prev_hash = head.hash;
      e.entry_hash = seal(e);
      head.seq = e.seq;
      head.hash = e.entry_hash;
    }
    const bool with_tree = tree && !entries.empty();
    std::vector<TreeNode> nodes;
    if (with_tree) {
      auto built = build_tree_nodes(c, tree, size_before, entries);
      if (!built) return built.error();
      nodes = std::move(*built);
    }
    auto written =
        query_prepared(c, prepared, append_sql(), append_params(entries, nodes, head, with_tree),
                       "cannot append to the journal");
    if (!written) return written.error();
    return head;
  }

  Pool pool_;

 public:
  // Two round trips, whatever the commit's size: BEGIN and the records' writes, checked here;
  // then the feed and COMMIT (last, so that the feed head's lock is held only from there to the
  // commit: docs/feed.md).
  Result<void> commit_records(const RecordCommit& commit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    auto r = write_records(c, lease->prepared(), commit);
    if (r) r = append_feed_and_commit(c, lease->prepared(), commit);
    if (!r) {
      (void)exec(c, "ROLLBACK");
      return r;
    }
    if (feed_events(commit) > 0) feed_appended();
    return {};
  }

  Result<FeedPage> read_feed(std::int64_t after, std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    // One snapshot for the head and the rows.
    if (auto r = exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return r.error();
    auto page = read_feed_in_transaction(c, after, limit);
    (void)exec(c, page ? "COMMIT" : "ROLLBACK");
    return page;
  }

  Result<void> add_disclosures(const std::vector<Disclosure>& rows) override {
    return in_pg_transaction<void>([&](PGconn* c) { return insert_disclosures(c, rows); });
  }

  Result<std::vector<Disclosure>> list_disclosures(const std::string& subject_hmac,
                                                   std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT id, time_ms, subject_hmac, identifier_masked, principal, agreement,"
                   " purpose, resource, fields, outcome, correlation_id, job FROM disclosures"
                   " WHERE subject_hmac = $1 ORDER BY id DESC LIMIT $2",
                   {subject_hmac, std::to_string(limit)}, "cannot list disclosures");
    if (!r) return r.error();
    PGresult* p = r->get();
    std::vector<Disclosure> out;
    for (int i = 0; i < PQntuples(p); ++i) {
      out.push_back(Disclosure{int64_at(p, i, 0), int64_at(p, i, 1), text_at(p, i, 2),
                               text_at(p, i, 3), text_at(p, i, 4), text_at(p, i, 5),
                               text_at(p, i, 6), text_at(p, i, 7), text_at(p, i, 8),
                               text_at(p, i, 9), text_at(p, i, 10), text_at(p, i, 11)});
    }
    return out;
  }

  Result<std::int64_t> prune_disclosures(std::int64_t before_ms) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(), "DELETE FROM disclosures WHERE time_ms < $1",
                   {std::to_string(before_ms)}, "cannot prune disclosures");
    if (!r) return r.error();
    return static_cast<std::int64_t>(affected(r->get()));
  }

  Result<std::vector<JournalEntry>> journal_about(const std::string& identifier_hmac,
                                                  std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   std::string("SELECT ") + kJournalScanColumns +
                       " FROM audit_journal WHERE identifier_hmac = $1 AND pruned_ms = 0"
                       " AND operation NOT LIKE 'disclosure/%'"
                       " ORDER BY seq DESC LIMIT $2",
                   {identifier_hmac, std::to_string(limit)}, "cannot read the journal");
    if (!r) return r.error();
    std::vector<JournalEntry> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(read_entry(r->get(), i));
    return out;
  }

  Result<std::int64_t> prune_feed(std::int64_t before_ms) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    if (auto r = exec(c, "BEGIN"); !r) return r.error();
    auto removed = prune_feed_in_transaction(c, before_ms);
    if (removed) {
      if (auto r = exec(c, "COMMIT"); !r) removed = r.error();
    }
    if (!removed) (void)exec(c, "ROLLBACK");
    return removed;
  }

  Result<std::optional<RecordState>> read_record(const std::string& stream) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query_prepared(
        lease->get(), lease->prepared(),
        "SELECT stream, kind, version, state, updated_ms, label FROM registry_records"
        " WHERE stream = $1",
        {stream}, "cannot read a record");
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<RecordState>();
    return std::optional<RecordState>(read_state(r->get(), 0));
  }

  Result<std::optional<std::string>> find_record_key(const std::string& key) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query_prepared(lease->get(), lease->prepared(),
                            "SELECT stream FROM registry_keys WHERE key = $1", {key},
                            "cannot look a key up");
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(text_at(r->get(), 0, 0));
  }

  Result<std::vector<MemberRef>> find_members(const std::string& key) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT stream, member FROM registry_members WHERE key = $1 ORDER BY stream",
                   {key}, "cannot look a member up");
    if (!r) return r.error();
    std::vector<MemberRef> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      out.push_back({text_at(r->get(), i, 0), text_at(r->get(), i, 1)});
    }
    return out;
  }

  Result<std::vector<std::string>> due_waits(const std::string& after, std::size_t limit) override {
    return streams_of(
        "SELECT DISTINCT stream COLLATE \"C\" FROM registry_waits WHERE due"
        " AND stream COLLATE \"C\" > $1 ORDER BY 1 LIMIT $2",
        {after, std::to_string(limit)});
  }

  Result<std::vector<std::string>> expired_waits(std::int64_t now_ms, const std::string& after,
                                                 std::size_t limit) override {
    return streams_of(
        "SELECT DISTINCT stream COLLATE \"C\" FROM registry_waits WHERE until_ms <= $1"
        " AND stream COLLATE \"C\" > $2 ORDER BY 1 LIMIT $3",
        {std::to_string(now_ms), after, std::to_string(limit)});
  }

  Result<void> settle_waits(const std::string& stream) override {
    return on_waits("UPDATE registry_waits SET due = false WHERE stream = $1 AND due", stream);
  }

  Result<void> end_waits(const std::string& stream) override {
    return on_waits("DELETE FROM registry_waits WHERE stream = $1", stream);
  }

  Result<std::int64_t> count_labelled(const std::string& kind, const std::string& label) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r =
        query(lease->get(), "SELECT count(*) FROM registry_records WHERE kind = $1 AND label = $2",
              {kind, label}, "cannot count records");
    if (!r) return r.error();
    return int64_at(r->get(), 0, 0);
  }

  // The streams a waits query names, in the order it gives them.
  Result<std::vector<std::string>> streams_of(const char* sql,
                                              const std::vector<std::string>& params) {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(), sql, params, "cannot read the waits index");
    if (!r) return r.error();
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(text_at(r->get(), i, 0));
    return out;
  }

  Result<void> on_waits(const char* sql, const std::string& stream) {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(), sql, {stream}, "cannot change the waits index");
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<RecordEvent>> record_events(const std::string& stream,
                                                 std::int64_t until_ms) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT seq, stream, version, type, time_ms, principal, reason, source,"
                   " correlation_id, data FROM registry_events WHERE stream = $1 AND time_ms <= $2"
                   " ORDER BY version",
                   {stream, std::to_string(until_ms)}, "cannot read a history");
    if (!r) return r.error();
    std::vector<RecordEvent> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      PGresult* p = r->get();
      out.push_back(RecordEvent{int64_at(p, i, 0), text_at(p, i, 1), int64_at(p, i, 2),
                                text_at(p, i, 3), int64_at(p, i, 4), text_at(p, i, 5),
                                text_at(p, i, 6), text_at(p, i, 7), text_at(p, i, 8),
                                text_at(p, i, 9)});
    }
    return out;
  }

  Result<std::vector<RecordState>> list_records(const std::string& kind, const std::string& after,
                                                std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(
        lease->get(),
        "SELECT stream, kind, version, state, updated_ms, label FROM registry_records"
        " WHERE kind = $1 AND stream COLLATE \"C\" > $2 ORDER BY stream COLLATE \"C\" LIMIT $3",
        {kind, after, std::to_string(limit)}, "cannot list records");
    if (!r) return r.error();
    return read_states(r->get());
  }

  Result<std::vector<RecordState>> list_labelled(const std::string& kind, const std::string& label,
                                                 const std::string& after,
                                                 std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT stream, kind, version, state, updated_ms, label FROM registry_records"
                   " WHERE kind = $1 AND label = $2 AND stream COLLATE \"C\" > $3"
                   " ORDER BY stream COLLATE \"C\" LIMIT $4",
                   {kind, label, after, std::to_string(limit)}, "cannot list records");
    if (!r) return r.error();
    return read_states(r->get());
  }

  Result<std::optional<IdempotentAnswer>> idempotent_answer(const std::string& principal,
                                                            const std::string& key) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r =
        query_prepared(lease->get(), lease->prepared(),
                       "SELECT request_hash, status, body, etag, time_ms FROM registry_idempotency"
                       " WHERE principal = $1 AND key = $2",
                       {principal, key}, "cannot read an idempotent answer");
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<IdempotentAnswer>();
    PGresult* p = r->get();
    return std::optional<IdempotentAnswer>(
        IdempotentAnswer{principal, key, text_at(p, 0, 0), static_cast<int>(int64_at(p, 0, 1)),
                         text_at(p, 0, 2), text_at(p, 0, 3), int64_at(p, 0, 4)});
  }

  // One round trip, and no wait for the disk: the draw commits asynchronously. A number is
  // only ever kept by a later durable commit (the record that bears it), and PostgreSQL's WAL
  // is written in order, so that commit makes the draw durable too; a crash before it loses
  // only a number that nothing kept (docs/registration.md). Concurrent callers queue on the row
  // lock.
  Result<std::int64_t> next_number(const std::string& counter) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    Pipeline p(lease->get(), lease->prepared());
    p.send("BEGIN", {}, "cannot begin a transaction");
    p.send("SET LOCAL synchronous_commit TO OFF", {}, "cannot draw a number");
    p.send(
        "INSERT INTO registry_counters VALUES ($1, 1) ON CONFLICT (name)"
        " DO UPDATE SET value = registry_counters.value + 1 RETURNING value",
        {counter}, "cannot draw a number");
    p.send("COMMIT", {}, "cannot draw a number");
    auto results = p.results();
    if (!results) return results.error();
    for (std::size_t i = 0; i < results->size(); ++i) {
      if (auto f = p.failed(i, (*results)[i])) return *f;
    }
    return int64_at((*results)[2].get(), 0, 0);
  }

  // In one snapshot: the head and the entries from it on as one committed state, even while
  // other nodes append (a head read before their commit and entries read after it would look
  // like an entry stored past the head).
  Result<void> check_journal_end() override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    if (auto r = exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return r;
    auto head = query(c, "SELECT seq, hash FROM audit_journal_head WHERE id = 1", {},
                      "cannot read the journal head");
    Result<void> out;
    if (!head) out = head.error();
    if (out && PQntuples(head->get()) != 1) {
      out =
          make_error(Errc::internal, "postgresql: the journal head row is missing", "store_error");
    }
    if (out) {
      const JournalHead h{int64_at(head->get(), 0, 0), text_at(head->get(), 0, 1)};
      auto end = query(
          c, "SELECT seq, entry_hash FROM audit_journal WHERE seq >= $1 ORDER BY seq LIMIT 2",
          {std::to_string(std::max<std::int64_t>(h.seq, 1))}, "cannot read the journal's end");
      if (!end) out = end.error();
      std::vector<JournalHead> from_head;
      for (int i = 0; out && i < PQntuples(end->get()); ++i) {
        from_head.push_back({int64_at(end->get(), i, 0), text_at(end->get(), i, 1)});
      }
      if (out) out = head_agrees(h, from_head);
    }
    (void)exec(c, "COMMIT");
    return out;
  }

  Result<LeaseGrant> acquire_lease(const std::string& name, const std::string& owner,
                                   std::int64_t ttl_ms) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    // Taken when free, expired or already the owner's; the fence moves with each new holder.
    auto r = query(c,
                   "INSERT INTO hub_leases AS l VALUES ($1, $2, 1, hub_now_ms() + $3, '')"
                   " ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner,"
                   " fence = l.fence + CASE WHEN l.owner = EXCLUDED.owner THEN 0 ELSE 1 END,"
                   " expires_ms = EXCLUDED.expires_ms"
                   " WHERE l.owner = EXCLUDED.owner OR l.expires_ms <= hub_now_ms()"
                   " RETURNING owner, fence, expires_ms - hub_now_ms(), progress",
                   {name, owner, std::to_string(ttl_ms)}, "cannot take a lease");
    if (!r) return r.error();
    if (PQntuples(r->get()) == 1) return lease_grant(r->get(), true);
    auto held = query(c,
                      "SELECT owner, fence, expires_ms - hub_now_ms(), progress FROM hub_leases"
                      " WHERE name = $1",
                      {name}, "cannot read a lease");
    if (!held) return held.error();
    if (PQntuples(held->get()) != 1) return LeaseGrant{};  // released meanwhile: ask again
    return lease_grant(held->get(), false);
  }

  Result<void> renew_lease(const std::string& name, const std::string& owner, std::int64_t fence,
                           std::int64_t ttl_ms, const std::string& progress) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "UPDATE hub_leases SET expires_ms = hub_now_ms() + $4, progress = $5"
                   " WHERE name = $1 AND owner = $2 AND fence = $3",
                   {name, owner, std::to_string(fence), std::to_string(ttl_ms), progress},
                   "cannot renew a lease");
    if (!r) return r.error();
    if (affected(r->get()) != 1) return lease_lost(name);
    return {};
  }

  Result<void> release_lease(const std::string& name, const std::string& owner, std::int64_t fence,
                             const std::string& progress, bool forget) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = forget
                 ? query(lease->get(),
                         "DELETE FROM hub_leases WHERE name = $1 AND owner = $2 AND fence = $3",
                         {name, owner, std::to_string(fence)}, "cannot release a lease")
                 : query(lease->get(),
                         "UPDATE hub_leases SET expires_ms = hub_now_ms() - 1, progress = $4"
                         " WHERE name = $1 AND owner = $2 AND fence = $3",
                         {name, owner, std::to_string(fence), progress}, "cannot release a lease");
    if (!r) return r.error();
    return {};
  }

  Result<QuotaGrant> lease_quota(const QuotaRequest& q) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    // One statement, so one round trip and one implicit transaction (migration 6).
    auto r = query(lease->get(),
                   "SELECT o_id, o_tokens, o_retry_in_ms FROM hub_lease_quota($1, $2, $3, $4, $5,"
                   " $6, $7, $8, $9)",
                   {q.partner, q.node, std::to_string(q.per_window), std::to_string(q.window_ms),
                    std::to_string(q.want), std::to_string(q.lease_ms), std::to_string(q.close_id),
                    std::to_string(q.close_used), std::to_string(q.close_after_ms)},
                   "cannot lease a partner's quota");
    if (!r) return r.error();
    QuotaGrant g;
    g.id = int64_at(r->get(), 0, 0);
    g.tokens = int64_at(r->get(), 0, 1);
    g.retry_in_ms = int64_at(r->get(), 0, 2);
    g.lease_ms = g.tokens > 0 ? q.lease_ms : 0;
    return g;
  }

  // Bulk prefill jobs (jobs.hpp).

  Result<void> create_prefill_job(const PrefillJob& job) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r =
        query(lease->get(),
              "INSERT INTO prefill_jobs (id, owner, purpose, kind, state, total, done,"
              " created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6)",
              {job.id, job.owner, job.purpose, job.kind, job.state, std::to_string(job.created_ms)},
              "cannot create a job");
    if (!r) return r.error();
    return {};
  }

  Result<void> add_prefill_items(const std::string& id,
                                 const std::vector<PrefillJobItem>& items) override {
    return in_pg_transaction<void>([&](PGconn* c) -> Result<void> {
      std::map<std::string, std::int64_t> refused;
      std::int64_t final_items = 0;
      for (std::size_t at = 0; at < items.size(); at += kItemChunk) {
        const std::size_t n = std::min(kItemChunk, items.size() - at);
        std::vector<std::string> params;
        params.reserve(n * 7);
        for (std::size_t i = at; i < at + n; ++i) {
          const auto& item = items[i];
          for (std::string v : {id, std::to_string(item.line), item.identifier, item.state,
                                std::to_string(item.status), item.error, item.result}) {
            params.push_back(std::move(v));
          }
          if (item.state == "error" || item.state == "done") ++final_items;
          if (!item.error.empty()) ++refused[item.error];
        }
        auto r = query(c,
                       "INSERT INTO prefill_job_items (job, line, identifier, state, status, error,"
                       " result) VALUES " +
                           placeholder_rows(n, 7),
                       params, "cannot add job items");
        if (!r) return r.error();
      }
      return count_items(c, id, static_cast<std::int64_t>(items.size()), final_items, refused);
    });
  }

  Result<std::optional<PrefillJob>> read_prefill_job(const std::string& id) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT id, owner, purpose, kind, state, total, done, created_ms, updated_ms"
                   " FROM prefill_jobs WHERE id = $1",
                   {id}, "cannot read a job");
    if (!r) return r.error();
    PGresult* p = r->get();
    if (PQntuples(p) == 0) return std::optional<PrefillJob>();
    PrefillJob job{text_at(p, 0, 0),  text_at(p, 0, 1),
                   text_at(p, 0, 2),  text_at(p, 0, 3),
                   text_at(p, 0, 4),  int64_at(p, 0, 5),
                   int64_at(p, 0, 6), int64_at(p, 0, 7),
                   int64_at(p, 0, 8), {}};
    auto e = query(lease->get(), "SELECT code, items FROM prefill_job_errors WHERE job = $1", {id},
                   "cannot read a job's errors");
    if (!e) return e.error();
    for (int i = 0; i < PQntuples(e->get()); ++i) {
      job.errors[text_at(e->get(), i, 0)] = int64_at(e->get(), i, 1);
    }
    return std::optional<PrefillJob>(std::move(job));
  }

  Result<std::vector<std::string>> runnable_prefill_jobs(std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT id FROM prefill_jobs WHERE state IN ('queued', 'running')"
                   " ORDER BY created_ms, id LIMIT $1",
                   {std::to_string(limit)}, "cannot list jobs");
    if (!r) return r.error();
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(text_at(r->get(), i, 0));
    return out;
  }

  Result<std::vector<PrefillJobItem>> claim_prefill_items(const std::string& id,
                                                          std::int64_t after_line,
                                                          std::size_t limit) override {
    return in_pg_transaction<std::vector<PrefillJobItem>>(
        [&](PGconn* c) -> Result<std::vector<PrefillJobItem>> {
          auto items = read_items(c, id, after_line, limit, true);
          if (!items || items->empty()) return items;
          auto r =
              query(c,
                    "UPDATE prefill_job_items SET state = 'asking' WHERE job = $1"
                    " AND line BETWEEN $2 AND $3 AND state = 'pending'",
                    {id, std::to_string(items->front().line), std::to_string(items->back().line)},
                    "cannot claim job items");
          if (!r) return r.error();
          return items;
        });
  }

  Result<void> record_prefill_results(const std::string& id,
                                      const std::vector<PrefillJobItem>& items,
                                      const std::vector<Disclosure>& disclosures) override {
    return in_pg_transaction<void>([&](PGconn* c) -> Result<void> {
      std::map<std::string, std::int64_t> errors;
      std::int64_t recorded = 0;
      std::map<std::int64_t, const Disclosure*> by_line;  // the items' rows, if any
      for (std::size_t i = 0; i < items.size() && i < disclosures.size(); ++i) {
        if (!disclosures[i].subject_hmac.empty()) by_line[items[i].line] = &disclosures[i];
      }
      std::vector<Disclosure> disclosed;
      for (std::size_t at = 0; at < items.size(); at += kItemChunk) {
        const std::size_t n = std::min(kItemChunk, items.size() - at);
        std::vector<std::string> params{id};
        params.reserve(1 + n * 5);
        for (std::size_t i = at; i < at + n; ++i) {
          const auto& item = items[i];
          for (std::string v : {std::to_string(item.line), item.state, std::to_string(item.status),
                                item.error, item.result}) {
            params.push_back(std::move(v));
          }
        }
        // Only the items still to answer change: RETURNING names those, to be counted once.
        // $1 is the job; each row's five values follow it.
        const std::string values = placeholder_rows(
            n, 5, {"::bigint", "::text", "::int", "::text", "::text"}, /*first=*/2);
        auto r = query(c,
                       "UPDATE prefill_job_items i SET state = v.state, status = v.status,"
                       " error = v.error, result = v.result FROM (VALUES " +
                           values +
                           ") AS v (line, state, status, error, result)"
                           " WHERE i.job = $1 AND i.line = v.line"
                           " AND i.state IN ('pending', 'asking') RETURNING v.error, v.line",
                       params, "cannot record job results");
        if (!r) return r.error();
        for (int row = 0; row < PQntuples(r->get()); ++row) {
          ++recorded;
          std::string code = text_at(r->get(), row, 0);
          if (!code.empty()) ++errors[code];
          auto d = by_line.find(int64_at(r->get(), row, 1));
          if (d != by_line.end()) disclosed.push_back(*d->second);
        }
      }
      if (auto r = insert_disclosures(c, disclosed); !r) return r;
      return count_items(c, id, 0, recorded, errors);
    });
  }

  Result<bool> set_prefill_job_state(const std::string& id, const std::string& state) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "UPDATE prefill_jobs SET state = $2, updated_ms = hub_now_ms() WHERE id = $1"
                   " AND state NOT IN ('done', 'cancelled', 'failed')",
                   {id, state}, "cannot change a job's state");
    if (!r) return r.error();
    return affected(r->get()) == 1;
  }

  Result<std::vector<PrefillJobItem>> prefill_job_items(const std::string& id,
                                                        std::int64_t after_line,
                                                        std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    return read_items(lease->get(), id, after_line, limit, false);
  }

  Result<std::vector<std::string>> expired_prefill_jobs(std::int64_t ended_before_ms,
                                                        std::int64_t abandoned_before_ms,
                                                        std::size_t limit) override {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    auto r = query(lease->get(),
                   "SELECT id FROM prefill_jobs WHERE (state IN ('done', 'cancelled', 'failed')"
                   " AND updated_ms < $1) OR (state = 'receiving' AND updated_ms < $2)"
                   " ORDER BY updated_ms, id LIMIT $3",
                   {std::to_string(ended_before_ms), std::to_string(abandoned_before_ms),
                    std::to_string(limit)},
                   "cannot list expired jobs");
    if (!r) return r.error();
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(text_at(r->get(), i, 0));
    return out;
  }

  Result<bool> remove_prefill_job(const std::string& id, std::size_t max_items) override {
    return in_pg_transaction<bool>([&](PGconn* c) -> Result<bool> {
      auto items = query(c,
                         "DELETE FROM prefill_job_items WHERE job = $1 AND line IN"
                         " (SELECT line FROM prefill_job_items WHERE job = $1 ORDER BY line"
                         " LIMIT $2)",
                         {id, std::to_string(max_items)}, "cannot remove job items");
      if (!items) return items.error();
      if (static_cast<std::size_t>(affected(items->get())) >= max_items) return false;
      for (const char* sql : {"DELETE FROM prefill_job_errors WHERE job = $1",
                              "DELETE FROM prefill_jobs WHERE id = $1"}) {
        if (auto r = query(c, sql, {id}, "cannot remove a job"); !r) return r.error();
      }
      return true;
    });
  }

 private:
  // Runs `write(c)` in a transaction on one connection of the pool.
  template <class T, class F>
  Result<T> in_pg_transaction(F&& write) {
    auto lease = pool_.acquire();
    if (!lease) return lease.error();
    PGconn* c = lease->get();
    if (auto r = exec(c, "BEGIN"); !r) return r.error();
    Result<T> out = write(c);
    if (out) {
      if (auto r = exec(c, "COMMIT"); !r) out = r.error();
    }
    if (!out) (void)exec(c, "ROLLBACK");
    return out;
  }

  // Rows of the disclosures index, kItemChunk to a statement, in the caller's transaction.
  static Result<void> insert_disclosures(PGconn* c, const std::vector<Disclosure>& rows) {
    constexpr int kColumns = 11;
    for (std::size_t at = 0; at < rows.size(); at += kItemChunk) {
      const std::size_t n = std::min(kItemChunk, rows.size() - at);
      std::vector<std::string> params;
      params.reserve(n * kColumns);
      for (std::size_t i = at; i < at + n; ++i) {
        const Disclosure& d = rows[i];
        for (const std::string* v :
             {&d.subject_hmac, &d.identifier_masked, &d.principal, &d.agreement, &d.purpose,
              &d.resource, &d.fields, &d.outcome, &d.correlation_id, &d.job}) {
          params.push_back(*v);
        }
        params.push_back(std::to_string(d.time_ms));
      }
      auto r = query(c,
                     "INSERT INTO disclosures (subject_hmac, identifier_masked, principal,"
                     " agreement, purpose, resource, fields, outcome, correlation_id, job,"
                     " time_ms) VALUES " +
                         placeholder_rows(n, kColumns),
                     params, "cannot record disclosures");
      if (!r) return r.error();
    }
    return {};
  }

  // Adds to a job's totals: items added, items final, errors by code.
  static Result<void> count_items(PGconn* c, const std::string& id, std::int64_t added,
                                  std::int64_t final_items,
                                  const std::map<std::string, std::int64_t>& errors) {
    auto r =
        query(c,
              "UPDATE prefill_jobs SET total = total + $2, done = done + $3,"
              " updated_ms = hub_now_ms() WHERE id = $1",
              {id, std::to_string(added), std::to_string(final_items)}, "cannot count job items");
    if (!r) return r.error();
    for (const auto& [code, n] : errors) {
      auto e = query(c,
                     "INSERT INTO prefill_job_errors AS e (job, code, items) VALUES ($1, $2, $3)"
                     " ON CONFLICT (job, code) DO UPDATE SET items = e.items + excluded.items",
                     {id, code, std::to_string(n)}, "cannot count job errors");
      if (!e) return e.error();
    }
    return {};
  }

  // A job's items after a line, in line order: all of them, or those still to answer.
  static Result<std::vector<PrefillJobItem>> read_items(PGconn* c, const std::string& id,
                                                        std::int64_t after_line, std::size_t limit,
                                                        bool unanswered) {
    auto r =
        query(c,
              unanswered ? "SELECT line, identifier, state, status, error, result"
                           " FROM prefill_job_items WHERE job = $1 AND line > $2"
                           " AND state IN ('pending', 'asking') ORDER BY line LIMIT $3"
                         : "SELECT line, identifier, state, status, error, result"
                           " FROM prefill_job_items WHERE job = $1 AND line > $2"
                           " ORDER BY line LIMIT $3",
              {id, std::to_string(after_line), std::to_string(limit)}, "cannot read job items");
    if (!r) return r.error();
    PGresult* p = r->get();
    std::vector<PrefillJobItem> out;
    out.reserve(static_cast<std::size_t>(PQntuples(p)));
    for (int i = 0; i < PQntuples(p); ++i) {
      out.push_back(PrefillJobItem{int64_at(p, i, 0), text_at(p, i, 1), text_at(p, i, 2),
                                   static_cast<int>(int64_at(p, i, 3)), text_at(p, i, 4),
                                   text_at(p, i, 5)});
    }
    return out;
  }

  static LeaseGrant lease_grant(PGresult* r, bool held) {
    return LeaseGrant{held, text_at(r, 0, 0), int64_at(r, 0, 1),
                      std::max<std::int64_t>(int64_at(r, 0, 2), 0), text_at(r, 0, 3)};
  }

  static std::vector<RecordState> read_states(PGresult* r) {
    std::vector<RecordState> out;
    for (int i = 0; i < PQntuples(r); ++i) out.push_back(read_state(r, i));
    return out;
  }

  static RecordState read_state(PGresult* r, int row) {
    return RecordState{text_at(r, row, 0), text_at(r, row, 1),  int64_at(r, row, 2),
                       text_at(r, row, 3), int64_at(r, row, 4), text_at(r, row, 5)};
  }

  // Takes the commit's positions from the head row (whose lock this transaction then holds until
  // it ends), appends its feed events and commits, in one round trip. Each event's position is
  // read back from the head row the transaction moved: a missing head row leaves it null, which
  // the primary key refuses, so that COMMIT is then skipped.
  static Result<void> append_feed_and_commit(PGconn* c, Pipeline::Prepared* prepared,
                                             const RecordCommit& commit) {
    const std::int64_t n = feed_events(commit);
    Pipeline p(c, prepared);
    if (n > 0) {
      p.send("UPDATE feed_outbox_head SET position = position + $1 WHERE id = 1",
             {std::to_string(n)}, "cannot take feed positions");
      std::int64_t after_this = n;  // events of this commit still to append after this one
      for (const auto& w : commit.writes) {
        if (!w.feed) continue;
        std::int64_t v = w.expected_version;
        for (const auto& e : w.events) {
          p.send(
              "INSERT INTO feed_outbox VALUES ((SELECT position FROM feed_outbox_head"
              " WHERE id = 1) - $1, $2, $3, $4, $5, $6, $7)",
              {std::to_string(--after_this), w.stream, w.kind, std::to_string(++v), e.type,
               std::to_string(e.time_ms), w.state},
              "cannot append to the feed");
        }
      }
    }
    p.send("COMMIT", {}, "cannot commit");
    auto results = p.results();
    if (!results) return results.error();
    for (std::size_t i = 0; i < results->size(); ++i) {
      if (auto f = p.failed(i, (*results)[i])) return *f;
      if (i == 0 && n > 0 && affected((*results)[0].get()) != 1) {
        return make_error(Errc::internal, "postgresql: the feed's head row is missing",
                          "store_error");
      }
    }
    return {};
  }

  static Result<FeedPage> read_feed_in_transaction(PGconn* c, std::int64_t after,
                                                   std::size_t limit) {
    auto head = query(c, "SELECT position, pruned_through FROM feed_outbox_head WHERE id = 1", {},
                      "cannot read the feed's head");
    if (!head) return head.error();
    if (PQntuples(head->get()) != 1) {
      return make_error(Errc::internal, "postgresql: the feed's head row is missing",
                        "store_error");
    }
    FeedPage page;
    page.head = int64_at(head->get(), 0, 0);
    page.pruned_through = int64_at(head->get(), 0, 1);
    auto rows = query(c,
                      "SELECT position, stream, kind, version, type, time_ms, state"
                      " FROM feed_outbox WHERE position > $1 ORDER BY position LIMIT $2",
                      {std::to_string(after), std::to_string(limit)}, "cannot read the feed");
    if (!rows) return rows.error();
    PGresult* p = rows->get();
    for (int i = 0; i < PQntuples(p); ++i) {
      page.changes.push_back(FeedChange{int64_at(p, i, 0), text_at(p, i, 1), text_at(p, i, 2),
                                        int64_at(p, i, 3), text_at(p, i, 4), int64_at(p, i, 5),
                                        text_at(p, i, 6)});
    }
    return page;
  }

  static Result<std::int64_t> prune_feed_in_transaction(PGconn* c, std::int64_t before_ms) {
    auto last = query(c, "SELECT max(position) FROM feed_outbox WHERE time_ms < $1",
                      {std::to_string(before_ms)}, "cannot prune the feed");
    if (!last) return last.error();
    if (PQgetisnull(last->get(), 0, 0)) return std::int64_t{0};
    const std::string through = text_at(last->get(), 0, 0);
    auto del = query(c, "DELETE FROM feed_outbox WHERE position <= $1", {through},
                     "cannot prune the feed");
    if (!del) return del.error();
    auto bound = query(c,
                       "UPDATE feed_outbox_head SET pruned_through = GREATEST(pruned_through, $1)"
                       " WHERE id = 1",
                       {through}, "cannot prune the feed");
    if (!bound) return bound.error();
    return static_cast<std::int64_t>(affected(del->get()));
  }

  // What a queued statement's result must show, read in the order the statements were sent.
  struct Check {
    enum Kind { ran, one_row, claim, owner, answer } kind;
    const StreamWrite* write = nullptr;
    const std::string* key = nullptr;
  };

  // Queues a write's statements: the record created or moved from its expected version, its
  // events, the keys it claims (each followed by who holds it), its member index.
  static void queue_write(Pipeline& p, std::vector<Check>& checks, const StreamWrite& w) {
    const std::int64_t version = w.expected_version + static_cast<std::int64_t>(w.events.size());
    const std::string now = std::to_string(w.events.empty() ? 0 : w.events.back().time_ms);
    if (w.expected_version == 0) {
      p.send(
          "INSERT INTO registry_records (stream, kind, version, state, updated_ms, label)"
          " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
          {w.stream, w.kind, std::to_string(version), w.state, now, w.label},
          "cannot create a record");
    } else {
      p.send(
          "UPDATE registry_records SET version = $1, state = $2, updated_ms = $3, label = $4"
          " WHERE stream = $5 AND version = $6",
          {std::to_string(version), w.state, now, w.label, w.stream,
           std::to_string(w.expected_version)},
          "cannot update a record");
    }
    checks.push_back({Check::one_row, &w});
    std::int64_t v = w.expected_version;
    for (const auto& e : w.events) {
      p.send(
          "INSERT INTO registry_events (stream, version, type, time_ms, principal, reason,"
          " source, correlation_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {w.stream, std::to_string(++v), e.type, std::to_string(e.time_ms), e.principal, e.reason,
           e.source, e.correlation_id, e.data},
          "cannot append an event");
      checks.push_back({Check::ran});
    }
    for (const auto& key : w.keys) {
      p.send("INSERT INTO registry_keys VALUES ($1, $2) ON CONFLICT DO NOTHING", {key, w.stream},
             "cannot claim a key");
      checks.push_back({Check::claim, &w, &key});
      // A statement of its own, so a snapshot of its own: it sees a holder that committed while
      // the claim waited on it.
      p.send("SELECT stream FROM registry_keys WHERE key = $1", {key}, "cannot look a key up");
      checks.push_back({Check::owner, &w, &key});
    }
    queue_waits(p, checks, w);
    if (!w.members) return;
    // The stream's entries in the member index replaced by the write's.
    p.send("DELETE FROM registry_members WHERE stream = $1", {w.stream},
           "cannot update the member index");
    checks.push_back({Check::ran});
    for (const auto& m : *w.members) {
      p.send("INSERT INTO registry_members VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
             {m.key, w.stream, m.member}, "cannot update the member index");
      checks.push_back({Check::ran});
    }
  }

  // The write's waits added to the stream's (none: the stream's removed); and the waits on the keys
  // the write holds (its lookup keys, its members') marked due.
  static void queue_waits(Pipeline& p, std::vector<Check>& checks, const StreamWrite& w) {
    if (w.waits && w.waits->keys.empty()) {
      p.send("DELETE FROM registry_waits WHERE stream = $1", {w.stream},
             "cannot update the waits index");
      checks.push_back({Check::ran});
    }
    if (w.waits) {
      for (const auto& key : w.waits->keys) {
        p.send("INSERT INTO registry_waits VALUES ($1, $2, $3, false) ON CONFLICT DO NOTHING",
               {key, w.stream, std::to_string(w.waits->until_ms)}, "cannot update the waits index");
        checks.push_back({Check::ran});
      }
    }
    std::vector<std::string> keys = w.keys;
    if (w.members) {
      for (const auto& m : *w.members) keys.push_back(m.key);
    }
    if (keys.empty()) return;
    std::string array = "{";
    for (const auto& k : keys) {
      array += (array.size() > 1 ? ",\"" : "\"");
      for (char c : k) {
        if (c == '"' || c == '\\') array += '\\';
        array += c;
      }
      array += '"';
    }
    array += "}";
    p.send("UPDATE registry_waits SET due = true WHERE key = ANY($1::text[]) AND NOT due", {array},
           "cannot update the waits index");
    checks.push_back({Check::ran});
  }

  // BEGIN and the commit's writes in one round trip, then their results read in order, as if
  // they had run one by one: the first conflict or failure is the answer.
  static Result<void> write_records(PGconn* c, Pipeline::Prepared* prepared,
                                    const RecordCommit& commit) {
    Pipeline p(c, prepared);
    std::vector<Check> checks;
    p.send("BEGIN", {}, "cannot begin a transaction");
    checks.push_back({Check::ran});
    for (const auto& w : commit.writes) queue_write(p, checks, w);
    if (commit.answer) {
      const auto& a = *commit.answer;
      p.send(
          "INSERT INTO registry_idempotency VALUES ($1, $2, $3, $4, $5, $6, $7)"
          " ON CONFLICT DO NOTHING",
          {a.principal, a.key, a.request_hash, std::to_string(a.status), a.body, a.etag,
           std::to_string(a.time_ms)},
          "cannot store an idempotent answer");
      checks.push_back({Check::answer});
    }
    auto results = p.results();
    if (!results) return results.error();
    bool claimed = false;
    for (std::size_t i = 0; i < checks.size(); ++i) {
      if (auto f = p.failed(i, (*results)[i])) return *f;
      if (auto conflict = check_result(checks[i], (*results)[i].get(), claimed)) return *conflict;
    }
    return {};
  }

  // The conflict a write's result shows, if any; `claimed` carries a claim's outcome to the look
  // up of its key's holder that follows it.
  static std::optional<Error> check_result(const Check& k, PGresult* r, bool& claimed) {
    switch (k.kind) {
      case Check::one_row:
        if (affected(r) == 1) return std::nullopt;
        return make_error(
            Errc::conflict,
            k.write->stream + " changed since version " + std::to_string(k.write->expected_version),
            "stale_version");
      case Check::claim:
        claimed = affected(r) == 1;
        return std::nullopt;
      case Check::owner:
        if (claimed || PQntuples(r) != 1 || text_at(r, 0, 0) == k.write->stream) {
          return std::nullopt;
        }
        return make_error(Errc::conflict, *k.key + " is already registered", "duplicate_key");
      case Check::answer:
        if (affected(r) == 1) return std::nullopt;
        return make_error(Errc::conflict, "this Idempotency-Key has already been answered",
                          "idempotent_replay");
      case Check::ran:
        break;
    }
    return std::nullopt;
  }
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres(const Options& o) {
  auto store = std::make_unique<PostgresStore>(o.url, o.pool_size);
  // Connects once now, so that a wrong URL is reported at start rather than at the first write.
  if (auto r = store->migrate(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hub::store
