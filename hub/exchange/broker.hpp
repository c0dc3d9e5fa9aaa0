// The exchange broker: for one use case (a recipe in the configuration), asks the partners
// concurrently under one overall deadline, each through its adapter and connection pool, with
// retries for transient failures, a circuit breaker, a rate limit honouring Retry-After, a cache
// with single-flight and stale-if-error, and journals every exchange. It merges the mapped
// answers into one record with per-field provenance and lists the conflicts between partners,
// never resolving them silently.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/exchange/answer.hpp"
#include "hub/http/client.hpp"
#include "hub/http/metrics.hpp"
#include "hub/mapping/engine.hpp"

namespace hub::exchange {

struct PrefillRequest {
  std::string recipe;                         // person | employer_by_ice | employer_by_rc
  std::map<std::string, std::string> params;  // the query: cnie, ice, tribunal, rc...
  std::string purpose;
  std::string category;
  ProvenanceForm provenance = ProvenanceForm::full;  // ?provenance=
};

struct Caller {
  std::string principal;
  std::string correlation_id;  // a UUID: sent to every partner
  bool no_cache = false;       // Cache-Control: no-cache
  // A bulk job's call (docs/jobs.md): the partners' pace after every interactive call
  // (http/pacer.hpp); it may read the answer cache but never fills it (an agent's answers are
  // not pushed out by a job's), and it neither joins nor leads an agent's call in flight.
  http::Priority priority = http::Priority::interactive;
};

struct StepOutcome {
  std::string step;
  std::string partner;
  std::string status = "error";  // ok | cached | stale | error | skipped
  std::shared_ptr<const MappedAnswer> answer;
  std::optional<Error> error;
  std::chrono::milliseconds retry_after{0};
  double latency_ms = 0;
  int attempts = 0;
  // The last journal entry this step appended (its calls, or the data it served): the answer
  // waits for it to be durable. 0: none.
  audit::Ticket journaled = 0;
};

// A partner's circuit breaker as /readyz reports it (docs/exchange.md, "The breaker").
struct PartnerHealth {
  std::string circuit = "closed";  // closed | open | half_open
  // Open or half-open: the calls and failures of the window that opened it; closed: the
  // window's now.
  std::size_t calls = 0;
  std::size_t failures = 0;
  std::string last_failure;  // "timeout", "partner_unavailable (connect_refused)"; "" if none
  std::chrono::milliseconds retry_after{0};  // open: until a probe is let through
};

struct PrefillResult {
  unsigned status = 200;  // 200; 404 when every partner said not found; 429/503 when none answered
  std::chrono::seconds retry_after{0};
  std::vector<StepOutcome> steps;
  std::string body;  // {"record", "provenance", "conflicts", "partners", "correlation_id"}
  // Set when no answer may be given at all (journal_unavailable: the exchange journal could not
  // record the exchanges, docs/audit.md); status, body and steps then say nothing.
  std::optional<Error> error;
};

class Broker {
 public:
  static Result<std::unique_ptr<Broker>> create(
      const config::HubConfig& config,
      const std::map<std::string, std::shared_ptr<http::ClientPool>>& pools,
      mapping::Catalog& mappings, audit::Journal* journal, http::Metrics* metrics);
  ~Broker();

  // Every answer, a "not found" or a partner's error included, is given only once the journal
  // entries of its exchanges are durable; while the journal cannot be written, none is (and no
  // partner is asked): the result is journal_unavailable.
  boost::asio::awaitable<PrefillResult> prefill(PrefillRequest request, Caller caller);

  bool has_recipe(const std::string& name) const;
  // {partner: breaker state} for /readyz; also refreshes the breaker and cache gauges in
  // /metrics (cnss_partner_circuit_state, cnss_partner_cache_bytes, cnss_partner_cache_entries).
  std::map<std::string, PartnerHealth> partner_states();

  // Told of every answer a partner gave (any status but 429), with the mapping that reads it,
  // before it is mapped: the mapping workbench's in-memory replay sample (docs/workbench.md).
  // Set once, before the first request; called on the request's thread.
  using AnswerObserver = std::function<void(std::string_view mapping_id, std::string_view body)>;
  void observe_answers(AnswerObserver observer);

 private:
  struct Impl;
  explicit Broker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::exchange
