// The hub's configuration (conf/hub.yaml): read with yaml-cpp and validated as a whole. Every
// problem is reported, each with file:line:col and the key path; nothing is served from a
// configuration that has one.
#pragma once

#include "hub/agreements/agreement.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hub::config {

struct Problem {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
  std::string path;  // key path, e.g. /partners/dgsn/base_url
  std::string code;  // stable: yaml_syntax, unknown_key, wrong_type, missing_key, ...
  std::string message;

  // file:line:col: code: message (at /key/path)
  std::string to_string() const;
};

// Where a key and its value are written in the file (1-based; 0: unknown).
struct Position {
  int line = 0;
  int column = 0;
};
struct KeyPosition {
  Position key;
  Position value;
};

struct TlsServer {
  std::string certificate;             // PEM chain, leaf first
  std::string key;                     // PEM private key
  std::vector<std::string> client_ca;  // CA certificates trusted for client certificates
  std::vector<std::string> crl;        // CRLs checked for every client certificate
};

// How many connections one listener keeps, counted per listener (a flood on one leaves the others
// be). "Pre-handshake": accepted, TLS handshake not ended; such a connection has proved nothing,
// so it has a budget of its own, and the oldest idle one is evicted when a newcomer needs room.
struct ConnectionLimits {
  std::size_t max_connections = 1024;
  std::size_t max_pre_handshake = 256;
  std::size_t max_connections_per_address = 256;  // per client IP address
  std::size_t max_pre_handshake_per_address = 256;
  std::chrono::milliseconds first_byte_timeout{2'000};  // accept to the ClientHello's first byte
};

struct Listener {
  std::string name;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  TlsServer tls;
  // Which interfaces this listener serves: "registration", "partner", "admin", "ops", "web"
  // (the pages under HubConfig::web_dir).
  std::vector<std::string> interfaces;
  // limits: of the configuration, with this listener's own limits: over them.
  ConnectionLimits connections;
};

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // a whole request, headers and body
  std::chrono::milliseconds idle_timeout{60'000};  // between requests on a kept-alive connection
  std::chrono::milliseconds write_timeout{10'000};
  // From accept to the end of the TLS handshake, the wait for its first byte included.
  std::chrono::milliseconds handshake_timeout{5'000};
  ConnectionLimits connections;  // each listener's, unless it sets its own
};

struct Store {
  std::string engine = "sqlite";  // sqlite | postgresql
  std::string path;               // sqlite file
  std::string url;                // postgresql connection string
  std::size_t pool_size = 8;
};

// Sized in docs/exchange.md, "The breaker": a call is one sample whatever its retries, and the
// window keeps one (the latest) per identifier asked.
struct BreakerSettings {
  double failure_ratio = 0.5;  // opens when this share of the last `window` calls failed
  std::size_t window = 50;
  std::size_t min_calls = 20;  // ...and at least this many calls are in the window
  std::chrono::milliseconds open_for{5'000};
  std::size_t half_open_probes = 2;  // calls let through to test a recovering partner
};

struct RetrySettings {
  std::size_t max_attempts = 3;  // including the first
  std::chrono::milliseconds base{50};
  std::chrono::milliseconds max{400};
};

struct CacheSettings {
  std::chrono::seconds ttl{300};
  std::chrono::seconds stale_grace{86'400};  // an expired answer may still be served on error
  std::size_t max_entries = 50'000;
  std::size_t max_bytes = 64u << 20;  // what the answers weigh in memory, at most
  std::map<std::string, std::chrono::seconds> ttl_by_operation;
};

struct RateSettings {
  double per_second = 0;  // 0: no limit
  double burst = 0;
  // Hub nodes sharing a PostgreSQL store share the quota: at most per_second calls in any
  // one-second window, all nodes together (burst is not used then), leased from the store
  // `batch` tokens at a time, each slice usable for `lease` (docs/operations.md).
  std::size_t batch = 5;
  std::chrono::milliseconds lease{500};
};

struct PartnerEndpoint {
  std::string name;
  std::string adapter;      // the adapter registered under this name (defaults to the name)
  std::string base_url;     // https://host:port
  std::string server_name;  // SNI and the name checked in the partner's certificate
  std::string ca;           // the partner's CA bundle
  std::string certificate;  // the hub's client certificate towards this partner
  std::string key;
  std::size_t max_connections = 16;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{5'000};
  std::size_t max_response_bytes = 2 * 1024 * 1024;
  std::vector<std::string> purposes;  // legal purposes this partner accepts ([]: none asked)
  std::map<std::string, std::string> options;  // adapter-specific settings
  BreakerSettings breaker;
  RetrySettings retry;
  CacheSettings cache;
  RateSettings rate_limit;
};

// One partner call of a recipe. Parameters are templates: "{cnie}" takes the query's value,
// "{company:/ice}" a value from the record of the step named `company` (which then runs first).
struct RecipeStep {
  std::string partner;
  std::string operation;
  std::string mapping;
  std::string as;  // the step's name, and its record's key in the merged record
  std::map<std::string, std::string> params;
  std::vector<std::string> only_for_categories;  // []: always
};

// Two or more places in the merged record that must agree ("person:/birth_date").
struct ConflictRule {
  std::string field;
  std::vector<std::string> values;
};

struct Recipe {
  std::string name;
  std::vector<RecipeStep> steps;
  std::vector<ConflictRule> conflicts;
};

struct ExchangeSettings {
  std::chrono::milliseconds deadline{2'500};  // the whole prefill, all partners together
  std::map<std::string, Recipe> recipes;
};

// A client known by its certificate. Subject and issuer are RFC 2253 text compared exactly
// (`openssl x509 -noout -subject -issuer -nameopt RFC2253`); the issuer is the subject of the CA
// certificate that issued the client's, as found in the chain OpenSSL verified.
struct Principal {
  std::string name;
  std::string subject;  // e.g. CN=agency-casa-anfa,OU=Agences,O=CNSS,C=MA
  // The issuing CA's subject, e.g. CN=CNSS Development Root CA,O=CNSS,C=MA. Required when a
  // listener trusts several CAs (any of them could issue a certificate with this subject).
  std::string issuer;
  // Optional: the issuing CA's subjectKeyIdentifier (RFC 5280 §4.2.1.2), which tells apart two CAs
  // with the same name. Lower-case hexadecimal without colons (the file may write AB:CD:...).
  std::string issuer_key_id;
  std::vector<std::string> roles;
};

// Why a verified certificate matched no principal, as a stable label.
enum class PrincipalMiss {
  none,
  unknown_subject,         // no principal has the certificate's subject
  issuer_mismatch,         // one has, but another CA issued the certificate
  issuer_key_id_mismatch,  // one has, and a CA of the same name but another key issued it
};
const char* to_string(PrincipalMiss miss);

struct PrincipalMatch {
  const Principal* principal = nullptr;  // set when the certificate is this principal's
  PrincipalMiss miss = PrincipalMiss::unknown_subject;
  const Principal* claimed = nullptr;  // on an issuer mismatch: the principal whose subject it has
};

// A partner that pushes events to POST /partner/v1/events: the principal it authenticates as,
// and the mapping that reads its events (its target entity says how they are applied).
struct EventSource {
  std::string partner;    // the name its events are kept under
  std::string principal;  // who may push them
  std::string mapping;    // e.g. dgct.civil_event
};

struct EventSettings {
  std::vector<EventSource> sources;
  // How often events recorded but not applied yet (the store was busy, a record was being
  // changed by someone else) are applied again.
  std::chrono::milliseconds retry_every{30'000};
  // How long an event waits for the facts it names (a marriage of people no family names yet, a
  // divorce before its marriage): a waiting one is then closed not_concerned, an applied one stops
  // waiting for the people it did not concern yet (docs/registration.md, "Events that wait for
  // facts"). 1 to 3650 days; 365 by default.
  std::size_t await_days = 365;
};

// An RFC 3161 Time Stamping Authority that time-stamps each checkpoint (docs/audit.md).
struct TsaSettings {
  std::string url;  // http://host:port/path (RFC 3161 3.4)
  std::string ca;   // PEM: the CA certificates its signing certificate chains to
  std::chrono::milliseconds timeout{5'000};
  std::size_t max_response_bytes = 64 * 1024;
};

// The journal's signed checkpoints and retention (audit:, docs/audit.md). Without the section the
// hub keeps its Merkle tree but signs no checkpoint and prunes nothing.
struct AuditSettings {
  bool checkpoints = false;  // the section is present
  std::string signing_key;   // PEM Ed25519 private key, readable by its owner only
  std::string origin;        // the log's name: the checkpoints' origin line and key name
  std::chrono::milliseconds checkpoint_interval{10'000};
  std::size_t retention_days = 730;  // 24 months of disclosures; 0: kept for ever
  std::optional<TsaSettings> tsa;
};

// The journal: section: the local spool that keeps the exchange journal's entries while the store
// cannot take them (docs/audit.md, "The local spool").
struct JournalSettings {
  // Off: a prefill is refused (503 journal_unavailable) once its entry has waited 2 s for a
  // failing store, as issue 15 first had it.
  bool spool = true;
  // How long a journal write may wait on the store before the entries go to the spool: 10 ms to
  // 1 s, below the 2 s a request waits for its entries.
  std::chrono::milliseconds spool_after{250};
  // journal.receipts: `always` (true) gives every partner read its X-Journal-Receipt;
  // `on_request` (false) only the reads that ask with `Prefer: receipt` (docs/audit.md,
  // "Receipts"; the cost of each: docs/performance.md).
  bool receipts_always = true;
};

// The change feed: GET /v1/changes on listeners with the "feed" interface (docs/feed.md).
struct FeedSettings {
  // Changes older than this are pruned; a consumer whose cursor is older gets 410.
  std::chrono::milliseconds retention{30LL * 86'400'000};
  std::chrono::milliseconds prune_every{3'600'000};
  // The longest ?wait a consumer may ask (longer asks are cut to it).
  std::chrono::milliseconds max_wait{30'000};
  // PostgreSQL: how often a waiting reader looks for the commits of other hub nodes (this
  // node's own commits wake it at once).
  std::chrono::milliseconds poll{250};
  std::size_t max_limit = 1000;  // the largest ?limit
  // Who reads the feed, and what of it, is said by agreements (docs/feed.md): deny by default.
};

// The mapping workbench (docs/workbench.md).
struct WorkbenchSettings {
  // Answers kept per mapping, in memory only, for replays (0: none; docs/workbench.md, "The
  // replay sample: a privacy rule").
  std::size_t replay_sample = 200;
  // With mappings_from: store, how often a node looks for a new publication (at most 1 s, so
  // that every node serves one within 2 s).
  std::chrono::milliseconds poll{500};
};

// Bulk prefill jobs (jobs:, docs/jobs.md).
struct JobSettings {
  // Items asked at once by a job's runner: also the most identifiers that may be asked twice
  // after the hub is killed mid-job (docs/jobs.md "Resuming").
  std::size_t concurrency = 32;
  // Items claimed, then recorded, in one store transaction.
  std::size_t batch = 256;
  // The most lines a submitted file may hold.
  std::size_t max_lines = 5'000'000;
  // The most bytes a submitted file may hold once decoded: POST /v1/jobs/prefill reads its body
  // in pieces, stored as they arrive, within this limit instead of limits.max_body_bytes.
  std::size_t max_upload_bytes = 256 * 1024 * 1024;
  // Days a finished, cancelled or failed job (its items and results) is kept after it ended.
  std::size_t retention_days = 30;
  // How often a node sweeps the expired jobs away (one node at a time, under a lease).
  std::chrono::milliseconds sweep{60'000};
  // How long a dead runner's lease holds the job back before another node (or the restarted
  // hub) resumes it; renewed at every batch, so a batch must take well under it.
  std::chrono::milliseconds lease_ttl{10'000};
  // How often a node looks for queued jobs to run.
  std::chrono::milliseconds poll{1'000};
  // The share of each partner's quota that bulk calls leave to the interactive ones even when no
  // agent is asking (0 to 0.5): of rate_limit.burst on one node (at most burst - 1 tokens), of
  // rate_limit.per_second in every window shared between nodes. Beyond it a job uses all that
  // the agents leave idle (http/pacer.hpp, docs/jobs.md "Sharing the partners with the agents").
  double reserve = 0.1;
};

struct HubConfig {
  std::string source_file;  // the file this came from (absolute)
  std::size_t threads = 2;
  std::string data_dir;
  std::string mappings_dir;
  // Where the served mappings come from: "files" (mappings_dir, reloaded when a file changes:
  // development) or "store" (the versions published with the workbench, seeded from mappings_dir
  // into an empty store; mappings_dir then gives canonical/ and tables/ only).
  std::string mappings_from = "files";
  WorkbenchSettings workbench;
  // The built pages (web/ through the CMake target `web`: <build>/web), served on listeners with
  // the "web" interface; empty: no pages.
  std::string web_dir;
  std::string log_level = "info";
  std::vector<Listener> listeners;
  Limits limits;
  Store store;
  std::vector<PartnerEndpoint> partners;
  std::vector<Principal> principals;
  ExchangeSettings exchange;
  EventSettings events;
  AuditSettings audit;
  JournalSettings journal;
  JobSettings jobs;
  // TEST ONLY (testing.clock_offset_file): a file holding a number of days by which the hub's
  // clock runs ahead (hub/cluster/offset_clock.hpp). "" in production.
  std::string testing_clock_offset_file;
  // Access agreements (hub/config/agreements.hpp): seed the store's agreements on first start;
  // after that, PUT /admin/v1/agreements changes them.
  std::vector<agreements::Agreement> agreements;
  // Every key read, by key path (/partners/dgsn/options/organisme): where later checks (adapter
  // options, recipes' references, hub/exchange/config_check.hpp) place their problems.
  std::map<std::string, KeyPosition, std::less<>> positions;

  // A problem at `path`, placed at its key (at_key) or value; a path never read is placed at its
  // nearest ancestor that was (e.g. a default adapter: the partner's entry).
  Problem problem_at(const std::string& path, bool at_key, std::string code,
                     std::string message) const;
  FeedSettings feed;

  // The principal a verified certificate is: its subject equal to the certificate's, its issuer
  // (when set) equal to the subject of the CA that issued the certificate, and its issuer_key_id
  // (when set) equal to that CA's key identifier (hex, lower case, no colons).
  PrincipalMatch principal_by_subject(const std::string& subject, const std::string& issuer,
                                      const std::string& issuer_key_id = "") const;
};

struct LoadResult {
  std::optional<HubConfig> config;  // set only when problems is empty
  std::vector<Problem> problems;
};

// Reads and validates the file; relative paths in it are resolved against the file's folder.
// check_files: also require every referenced certificate, key and CRL file to exist.
LoadResult load_hub_config(const std::string& file, bool check_files);

// The same, from text (tests); `name` is used as the file name in problems.
LoadResult parse_hub_config(const std::string& text, const std::string& name,
                            const std::string& base_dir, bool check_files);

// Every interface a listener may serve ("admin", "ops", "partner", "registration").
std::vector<std::string> interface_names();

}  // namespace hub::config
