#include "hub/exchange/broker.hpp"
#include "hub/exchange/config_check.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <mutex>
#include <random>
#include <unordered_map>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/exchange/adapter.hpp"
#include "hub/exchange/answer_json.hpp"
#include "hub/exchange/breaker.hpp"
#include "hub/exchange/cache.hpp"
#include "hub/exchange/rate_limiter.hpp"

namespace hub::exchange {

namespace {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> sleep_until(Clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(use_tuple);
}

// A random number in [lo, hi] from one generator a thread, seeded once: std::random_device costs
// a system call, a tenth of a cache miss's CPU when it was made per call. Not a coroutine: a
// thread_local read in a coroutine may be the one of the thread it started on.
long uniform_between(long lo, long hi) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_int_distribution<long>(lo, hi)(rng);
}

// Failures that say the partner (or the way to it) is unwell: retried, and counted by the
// breaker. A "not found" or a refused purpose is a healthy partner's answer.
bool transient(Errc c) {
  return c == Errc::timeout || c == Errc::partner_unavailable || c == Errc::malformed_response;
}

// The hub's own configuration failing a step (the mapping a recipe names is not served): never
// the partner's malformed answer, never retried, never counted by the partner's breaker.
bool configuration_fault(const Error& e) {
  return e.code == Errc::internal && (e.detail == "unknown_mapping" || e.detail == "no_mappings");
}

// What the breaker counts as the partner failing: the transient failures and a TLS failure (an
// expired or refused certificate fails every call alike). An answer about the identifier ("not
// found", an identifier or purpose refused, a 429) is a healthy partner's. The reason is a
// stable code, never the partner's message (/readyz shows it, and messages may name people).
std::string breaker_failure(const std::optional<Error>& e) {
  if (!e || !(transient(e->code) || e->code == Errc::tls_failure)) return {};
  std::string why(code_of(e->code));
  if (!e->detail.empty() && e->detail != why) why += " (" + e->detail + ")";
  return why;
}

// "{cnie}" -> the query's cnie; "{company:/ice}" -> a value of the record of step `company`.
struct Template {
  std::string step;     // empty: from the query
  std::string pointer;  // JSON pointer in that step's record, or the query key
};

std::optional<Template> parse_template(const std::string& v) {
  if (v.size() < 3 || v.front() != '{' || v.back() != '}') return std::nullopt;
  const std::string inner = v.substr(1, v.size() - 2);
  const auto colon = inner.find(':');
  if (colon == std::string::npos) return Template{"", inner};
  return Template{inner.substr(0, colon), inner.substr(colon + 1)};
}

struct Flight {
  std::mutex mutex;
  bool done = false;
  StepOutcome outcome;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
};

PrefillResult no_such_recipe() {
  PrefillResult r;
  r.status = 500;
  r.body = R"({"error":{"code":"internal","message":"no such recipe"}})";
  return r;
}

PrefillResult journal_refused(Error e) {
  PrefillResult r;
  r.status = http_status_of(e.code);
  r.retry_after = e.retry_after;
  r.error = std::move(e);
  return r;
}

// The steps of one prefill that apply to its request, in recipe order, and their outcomes so far:
// shared with the calls in flight, which may end after the prefill stopped waiting for them.
struct Plan {
  std::vector<const config::RecipeStep*> steps;
  std::shared_ptr<std::vector<StepOutcome>> outcomes;
};

Plan plan_for(const config::Recipe& recipe, const std::string& category) {
  Plan plan{{}, std::make_shared<std::vector<StepOutcome>>()};
  for (const auto& st : recipe.steps) {
    const auto& only = st.only_for_categories;
    if (!only.empty() && std::find(only.begin(), only.end(), category) == only.end()) continue;
    plan.steps.push_back(&st);
    StepOutcome o;
    o.step = st.as;
    o.partner = st.partner;
    o.status = "pending";
    plan.outcomes->push_back(std::move(o));
  }
  return plan;
}

// The calls of one round in flight: the last to end wakes the prefill waiting on `timer`.
struct Round {
  std::size_t remaining;
  asio::steady_timer timer;
};

bool unfinished(const StepOutcome& o) {
  return o.status == "pending" || o.status == "running";
}

// A step's query as far as its parameters are known: `waiting` when one needs the record of a step
// yet to run, `missing` when one cannot be had (the last such parameter's error).
struct Resolution {
  Query query;
  bool waiting = false;
  std::optional<Error> missing;
};

// One parameter of a step (parse_template's forms) into `r`.
void resolve_param(const std::string& key, const std::string& value, const PrefillRequest& request,
                   const std::vector<StepOutcome>& outcomes, Resolution& r) {
  auto t = parse_template(value);
  if (!t) {
    r.query.params[key] = value;
    return;
  }
  if (t->step.empty()) {
    auto it = request.params.find(t->pointer);
    if (it == request.params.end()) {
      r.missing = make_error(Errc::invalid_input, "'" + t->pointer + "' is needed");
    } else {
      r.query.params[key] = it->second;
    }
    return;
  }
  const StepOutcome* dep = nullptr;
  for (const auto& o : outcomes) {
    if (o.step == t->step) dep = &o;
  }
  if (dep == nullptr || unfinished(*dep)) {
    r.waiting = dep != nullptr;
    if (dep == nullptr) r.missing = make_error(Errc::internal, "no step " + t->step);
    return;
  }
  auto v = dep->answer ? value_at(*dep->answer, t->pointer) : std::nullopt;
  if (!v) {
    r.missing = make_error(Errc::not_found,
                           "needs " + t->pointer + " from " + t->step + ", which is unknown",
                           "dependency_failed");
  } else {
    r.query.params[key] = std::move(*v);
  }
}

Resolution resolve(const config::RecipeStep& step, const PrefillRequest& request,
                   const Caller& caller, const std::vector<StepOutcome>& outcomes) {
  Resolution r;
  r.query.operation = step.operation;
  r.query.purpose = request.purpose;
  r.query.correlation_id = caller.correlation_id;
  for (const auto& [key, value] : step.params) resolve_param(key, value, request, outcomes, r);
  return r;
}

// Steps still pending once no round can run: a step they depend on never did.
void skip_unrun(std::vector<StepOutcome>& outcomes) {
  for (auto& o : outcomes) {
    if (o.status == "pending") {
      o.status = "skipped";
      o.error = make_error(Errc::internal, "a step it depends on did not run");
    }
  }
}

// The answer's status when no step has an answer: 404 when every partner asked said "not found",
// 429 when every one is rationing us, else 503; with the longest wait asked (at least 1 s).
void set_status(PrefillResult& result) {
  bool all_not_found = true, all_rate_limited = true;
  std::chrono::milliseconds retry_after{0};
  for (const auto& o : result.steps) {
    if (o.answer) return;
    if (o.status == "skipped") continue;
    all_not_found = all_not_found && o.error && o.error->code == Errc::not_found;
    all_rate_limited = all_rate_limited && o.error && o.error->code == Errc::rate_limited;
    retry_after = std::max(retry_after, o.retry_after);
  }
  result.status = all_not_found ? 404 : all_rate_limited ? 429 : 503;
  if (result.status != 404) {
    result.retry_after =
        std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(retry_after));
  }
}

}  // namespace

struct PartnerRuntime {
  config::PartnerEndpoint settings;
  std::unique_ptr<Adapter> adapter;
  std::shared_ptr<http::ClientPool> pool;
  std::unique_ptr<CircuitBreaker> breaker;
  std::unique_ptr<RetryAfterGate> limiter;
  std::unique_ptr<AnswerCache> cache;
  std::mutex flights_mutex;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights;

  std::chrono::seconds ttl_for(const std::string& operation) const {
    auto it = settings.cache.ttl_by_operation.find(operation);
    return it == settings.cache.ttl_by_operation.end() ? settings.cache.ttl : it->second;
  }
  bool takes_purpose() const { return !settings.purposes.empty(); }
  bool allows(const std::string& purpose) const {
    return std::find(settings.purposes.begin(), settings.purposes.end(), purpose) !=
           settings.purposes.end();
  }
};

// The error an answer without a record says: the partner's own, when its mapping read one from
// the body; else what the adapter makes of the status (Adapter::classify_status); else, for a 200
// the mapping could not read, a malformed response.
Error answer_error(const PartnerRuntime& p, unsigned status, std::string_view body,
                   const Result<mapping::MappedRecord>& mapped) {
  if (!mapped && mapped.error().code != Errc::malformed_response &&
      mapped.error().code != Errc::internal) {
    return mapped.error();
  }
  if (status != 200) {
    Error e = p.adapter->classify_status(status, body);
    e.message = p.settings.name + ": " + e.message;
    return e;
  }
  Error e = mapped ? make_error(Errc::malformed_response, "unexpected answer") : mapped.error();
  if (e.code == Errc::internal) e.code = Errc::malformed_response;
  return e;
}

struct Broker::Impl {
  config::ExchangeSettings exchange;
  std::map<std::string, std::unique_ptr<PartnerRuntime>> partners;
  mapping::Catalog* mappings = nullptr;
  // mapping id -> the pointers into its records the recipes read (answer_json.hpp).
  std::map<std::string, std::vector<std::string>, std::less<>> pointers_read_by_mapping;
  audit::Journal* journal = nullptr;
  http::Metrics* metrics = nullptr;
  AnswerObserver observe_answer;

  const std::vector<std::string>& pointers_read_by(std::string_view mapping_id) const {
    static const std::vector<std::string> kNone;
    auto it = pointers_read_by_mapping.find(mapping_id);
    return it == pointers_read_by_mapping.end() ? kNone : it->second;
  }

  void gauge_breaker(const std::string& partner, CircuitBreaker::State s) {
    if (!metrics) return;
    metrics->set_gauge("cnss_partner_circuit_state",
                       "Circuit breaker per partner: 0 closed, 1 half-open, 2 open", "partner",
                       partner,
                       s == CircuitBreaker::State::closed      ? 0
                       : s == CircuitBreaker::State::half_open ? 1
                                                               : 2);
  }

  void gauge_cache(const std::string& partner, const AnswerCache& cache) {
    if (!metrics) return;
    metrics->set_gauge("cnss_partner_cache_bytes",
                       "Bytes the answers cached per partner hold (counted as the budget "
                       "cache.max_mb counts them)",
                       "partner", partner, static_cast<double>(cache.bytes()));
    metrics->set_gauge("cnss_partner_cache_entries", "Answers cached per partner", "partner",
                       partner, static_cast<double>(cache.size()));
  }

  void count(const char* name, const char* help, const std::string& partner) {
    if (metrics) metrics->increment(name, help, "partner", partner);
  }

  // One attempt: the request, the answer, its classification and mapping, and its journal entry.
  asio::awaitable<StepOutcome> attempt(PartnerRuntime& p, const Query& q,
                                       const std::string& mapping_id, Clock::time_point deadline,
                                       const Caller& caller) {
    StepOutcome out;
    out.partner = p.settings.name;
    const auto started = Clock::now();
    std::string body_sha;
    auto req = p.adapter->build(q);
    if (!req) {
      out.error = req.error();
      co_return out;
    }
    auto res = co_await p.pool->request(std::move(*req), deadline, caller.priority);
    out.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (!res) {
      out.error = res.error();
    } else if (body_sha = audit::sha256_hex(res->body()); res->result_int() == 429) {
      out.error = rate_limited_by(p, *res, out.retry_after);
    } else {
      read_answer(p, q, mapping_id, *res, body_sha, out);
    }
    out.journaled =
        journal_entry(p, q, caller, out.error ? std::string(out.error->wire_code()) : "ok",
                      out.latency_ms, body_sha);
    co_return out;
  }

  // A 429: the partner is not asked again before the wait it asked for (Retry-After, RFC 9110
  // §10.2.3) is over.
  Error rate_limited_by(PartnerRuntime& p, const http::Response& res,
                        std::chrono::milliseconds& retry_after) {
    const auto wait =
        wait_asked(res[boost::beast::http::field::retry_after], std::chrono::system_clock::now());
    retry_after = wait;
    if (wait.count() > 0) p.limiter->block_until(Clock::now() + wait);
    return make_error(Errc::rate_limited,
                      p.settings.name + " asked to wait " + std::to_string(wait.count()) + " s");
  }

  // An answer other than a 429, through the step's mapping: the mapped answer of a 200, or the
  // error the answer says (answer_error).
  void read_answer(PartnerRuntime& p, const Query& q, const std::string& mapping_id,
                   const http::Response& res, const std::string& body_sha, StepOutcome& out) {
    if (observe_answer) observe_answer(mapping_id, res.body());
    auto snapshot = mappings->current();
    const std::string fetched_at = log::now_iso8601();
    mapping::Context ctx{q.correlation_id, fetched_at};
    auto mapped = snapshot ? snapshot->map(mapping_id, res.body(), ctx)
                           : Result<mapping::MappedRecord>(make_error(
                                 Errc::internal, "no mapping set is loaded", "no_mappings"));
    if (!mapped && configuration_fault(mapped.error())) {
      out.error = mapped.error();  // the mapping went away while the partner answered
    } else if (mapped && res.result_int() == 200) {
      out.answer = sealed_answer(p, q, *mapped, fetched_at, body_sha);
      out.status = "ok";
    } else {
      out.error = answer_error(p, res.result_int(), res.body(), mapped);
    }
  }

  std::shared_ptr<MappedAnswer> sealed_answer(const PartnerRuntime& p, const Query& q,
                                              mapping::MappedRecord& mapped,
                                              const std::string& fetched_at,
                                              const std::string& body_sha) const {
    auto a = std::make_shared<MappedAnswer>();
    a->partner = p.settings.name;
    a->operation = q.operation;
    a->mapping_id = mapped.mapping_id();
    a->mapping_version = mapped.version();
    a->record_json = std::move(mapped.json);
    for (const auto& s : mapped.sources()) {
      if (s.field == nullptr) continue;
      a->sources.emplace_back(mapped.pointer(s), std::string(s.path));
    }
    a->fetched_at = fetched_at;
    a->correlation_id = q.correlation_id;
    a->body_sha256 = body_sha;
    const auto doc = parse_record(*a);
    const rapidjson::Value none;
    seal_answer(*a, doc ? static_cast<const rapidjson::Value&>(*doc) : none,
                pointers_read_by(a->mapping_id));
    return a;
  }

  // A step whose mapping is not served is not sent: the partner could answer, the hub could not
  // read it.
  std::optional<Error> missing_mapping(const std::string& mapping_id) const {
    auto snapshot = mappings->current();
    if (!snapshot) return make_error(Errc::internal, "no mapping set is loaded", "no_mappings");
    if (snapshot->find(mapping_id)) return std::nullopt;
    return make_error(Errc::internal,
                      "the recipe names the mapping '" + mapping_id +
                          "', which the hub does not serve: a fault of the hub's configuration",
                      "unknown_mapping");
  }

  // Retries, breaker and rate limit around attempt(). The breaker hears one outcome per call,
  // its retries included: they ask the same thing again and are no new evidence.
  asio::awaitable<StepOutcome> fetch(PartnerRuntime& p, Query q, std::string mapping_id,
                                     Clock::time_point deadline, Caller caller) {
    StepOutcome out;
    out.partner = p.settings.name;
    if (auto fault = missing_mapping(mapping_id)) {
      out.error = std::move(fault);
      co_return out;
    }
    const auto started = Clock::now();
    if (!p.breaker->allow()) {
      out.error = make_error(Errc::partner_unavailable,
                             p.settings.name + " is failing: calls are suspended for a while",
                             "circuit_open");
      out.retry_after = std::max(std::chrono::milliseconds(1000), p.breaker->retry_after());
      co_return out;
    }
    std::string failure;  // the last attempt's, as the breaker counts it
    for (std::size_t i = 0; i < p.settings.retry.max_attempts; ++i) {
      if (auto blocked = p.limiter->blocked_for(); blocked > Clock::duration::zero()) {
        out.error = make_error(Errc::rate_limited, p.settings.name + " asked us to wait");
        out.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(blocked);
        break;
      }
      auto one = co_await attempt(p, q, mapping_id, deadline, caller);
      ++out.attempts;
      const bool failed = one.error && transient(one.error->code);
      failure = breaker_failure(one.error);
      out.answer = std::move(one.answer);
      out.error = std::move(one.error);
      out.retry_after = one.retry_after;
      out.status = one.status;
      out.journaled = std::max(out.journaled, one.journaled);
      // No retry once other calls have opened the breaker: the partner needs the rest.
      if (!failed || p.breaker->state() == CircuitBreaker::State::open) break;
      // Full jitter, and only when a new attempt can still finish before the deadline.
      const auto cap = std::min(p.settings.retry.max,
                                p.settings.retry.base * (1 << std::min<std::size_t>(i, 10)));
      const auto backoff = std::chrono::milliseconds(uniform_between(cap.count() / 2, cap.count()));
      if (Clock::now() + backoff + std::chrono::milliseconds(20) >= deadline) break;
      co_await sleep_until(Clock::now() + backoff);
      count("cnss_partner_retries_total", "Attempts repeated after a transient failure, by partner",
            p.settings.name);
    }
    // A call not made, or made for an answer the hub could not read for want of its mapping, says
    // nothing of the partner.
    if (out.attempts == 0 || (out.error && configuration_fault(*out.error))) {
      p.breaker->abandon();
    } else {
      p.breaker->record(p.adapter->identifier(q), failure);
    }
    gauge_breaker(p.settings.name, p.breaker->state());
    out.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    co_return out;
  }

  static std::string cache_key(const PartnerRuntime& p, const Query& q,
                               const std::string& mapping_id) {
    std::string key = q.operation + "|" + mapping_id + "|" + p.adapter->identifier(q);
    if (p.takes_purpose()) key += "|" + q.purpose;  // an answer is served only for its purpose
    return key;
  }

  // A fresh answer from the cache, journaled as served: all a cached step costs, without a
  // coroutine of its own. nullopt: none (or none wanted: Cache-Control: no-cache).
  std::optional<StepOutcome> from_cache(PartnerRuntime& p, const Query& q, const std::string& key,
                                        const Caller& caller) {
    if (caller.no_cache) return std::nullopt;
    const auto started = Clock::now();
    auto hit = p.cache->get(key);
    if (!hit || !hit->fresh) return std::nullopt;
    StepOutcome out;
    out.partner = p.settings.name;
    out.status = "cached";
    out.answer = std::move(hit->answer);
    out.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    count("cnss_partner_cache_hits_total", "Answers served from the cache, by partner",
          p.settings.name);
    out.journaled = journal_served(p, q, caller, out);
    return out;
  }

  // Single-flight and stale-if-error around fetch(), for an answer not found fresh in the cache.
  asio::awaitable<StepOutcome> call(PartnerRuntime& p, Query q, std::string mapping_id,
                                    std::string key, Clock::time_point deadline, Caller caller) {
    const auto started = Clock::now();
    count("cnss_partner_cache_misses_total", "Answers not in the cache, by partner",
          p.settings.name);
    // An if, not a conditional expression around the two co_awaits: built by GCC 12, that one
    // crashes (free(): invalid pointer).
    const std::pair<std::shared_ptr<Flight>, bool> joined = join_flight(p, flight_key(key, caller));
    const bool leader = joined.second;
    StepOutcome out;
    if (leader) {
      out = co_await lead(p, q, mapping_id, key, *joined.first, deadline, caller);
    } else {
      out = co_await follow(p, *joined.first, deadline);
    }
    if (out.error && transient(out.error->code) && !caller.no_cache) {
      if (auto hit = p.cache->get(key)) {
        // Stale-if-error: an expired answer, said to be so, beats no answer.
        out.status = "stale";
        out.answer = hit->answer;
      }
    }
    out.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (out.status == "stale" || (!leader && out.answer)) {
      out.journaled = std::max(out.journaled, journal_served(p, q, caller, out));
    }
    co_return out;
  }

  // Bulk calls share their flights among themselves: an agent never waits for a job's call (paced
  // after every interactive one).
  static std::string flight_key(const std::string& key, const Caller& caller) {
    return caller.priority == http::Priority::bulk ? key +
                                                         "\x1f"
                                                         "bulk"
                                                   : key;
  }

  // The call in flight for `key`, and whether this request leads it (makes it) or follows.
  static std::pair<std::shared_ptr<Flight>, bool> join_flight(PartnerRuntime& p,
                                                              const std::string& key) {
    std::lock_guard lock(p.flights_mutex);
    auto it = p.flights.find(key);
    if (it != p.flights.end()) return {it->second, false};
    auto flight = std::make_shared<Flight>();
    p.flights.emplace(key, flight);
    return {std::move(flight), true};
  }

  // The leader's call: fetched, cached when answered, given to the followers, and the flight
  // closed.
  asio::awaitable<StepOutcome> lead(PartnerRuntime& p, const Query& q,
                                    const std::string& mapping_id, const std::string& key,
                                    Flight& flight, Clock::time_point deadline,
                                    const Caller& caller) {
    StepOutcome out = co_await fetch(p, q, mapping_id, deadline, caller);
    if (out.answer && caller.priority == http::Priority::interactive) {
      p.cache->put(key, out.answer, p.ttl_for(q.operation), p.settings.cache.stale_grace);
    }
    std::vector<std::shared_ptr<asio::steady_timer>> waiters;
    {
      std::lock_guard lock(flight.mutex);
      flight.done = true;
      flight.outcome = out;
      waiters.swap(flight.waiters);
    }
    {
      std::lock_guard lock(p.flights_mutex);
      p.flights.erase(flight_key(key, caller));
    }
    for (auto& t : waiters) asio::post(t->get_executor(), [t] { t->cancel(); });
    co_return out;
  }

  // Another request is already asking the partner the same thing: its answer, shared, or a
  // timeout at the deadline.
  asio::awaitable<StepOutcome> follow(PartnerRuntime& p, Flight& flight,
                                      Clock::time_point deadline) {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    bool done;
    {
      std::lock_guard lock(flight.mutex);
      done = flight.done;
      if (!done) {
        timer->expires_at(deadline);
        flight.waiters.push_back(timer);
      }
    }
    if (!done) co_await timer->async_wait(use_tuple);
    StepOutcome out;
    {
      std::lock_guard lock(flight.mutex);
      if (flight.done) {
        out = flight.outcome;
        out.attempts = 0;  // this request made no call of its own
      } else {
        out.partner = p.settings.name;
        out.error =
            make_error(Errc::timeout, "no answer from " + p.settings.name + " before the deadline");
      }
    }
    count("cnss_partner_shared_calls_total",
          "Requests answered by another request's call in flight, by partner", p.settings.name);
    co_return out;
  }

  // A step of a round: its index in the plan, its query and its cache key.
  struct Ready {
    std::size_t index;
    Query query;
    std::string key;
  };

  // The pending steps whose parameters are all known, now running; a step whose parameters cannot
  // be had, or whose purpose its partner refuses, ends here with its error.
  std::vector<Ready> next_round(Plan& plan, const PrefillRequest& request, const Caller& caller) {
    std::vector<Ready> ready;
    auto& outcomes = *plan.outcomes;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      StepOutcome& o = outcomes[i];
      if (o.status != "pending") continue;
      auto r = resolve(*plan.steps[i], request, caller, outcomes);
      if (r.missing) {
        o.status = r.missing->detail == "dependency_failed" ? "skipped" : "error";
        o.error = std::move(r.missing);
        continue;
      }
      if (r.waiting) continue;
      PartnerRuntime& p = *partners.at(plan.steps[i]->partner);
      if (p.takes_purpose() && !p.allows(request.purpose)) {
        o.error =
            make_error(Errc::forbidden_purpose, "the purpose '" + request.purpose +
                                                    "' is not allowed towards " + p.settings.name);
        o.status = "error";
        continue;
      }
      o.status = "running";
      std::string key = cache_key(p, r.query, plan.steps[i]->mapping);
      ready.push_back({i, std::move(r.query), std::move(key)});
    }
    return ready;
  }

  // One round: the steps answered from the cache are done at once, without a coroutine of their
  // own; the others call their partners concurrently, and the round ends when the last one does,
  // or at the deadline (every call honours it) with a margin.
  asio::awaitable<void> run_round(Plan& plan, std::vector<Ready> ready, Clock::time_point deadline,
                                  const Caller& caller) {
    std::erase_if(ready, [&](Ready& r) { return answered_from_cache(plan, r, caller); });
    if (ready.empty()) co_return;
    auto ex = co_await asio::this_coro::executor;
    auto round = std::make_shared<Round>(Round{ready.size(), asio::steady_timer(ex)});
    std::vector<std::size_t> called;
    for (auto& r : ready) {
      called.push_back(r.index);
      const config::RecipeStep* st = plan.steps[r.index];
      asio::co_spawn(ex, call_step(st, plan.outcomes, std::move(r), deadline, caller, round),
                     asio::detached);
    }
    if (round->remaining > 0) {
      round->timer.expires_at(deadline + std::chrono::milliseconds(200));
      co_await round->timer.async_wait(use_tuple);
    }
    for (auto i : called) {
      auto& o = (*plan.outcomes)[i];
      if (o.status != "running") continue;
      o.status = "error";
      o.error = make_error(Errc::timeout, "no answer before the deadline");
    }
  }

  bool answered_from_cache(Plan& plan, const Ready& r, const Caller& caller) {
    PartnerRuntime& p = *partners.at(plan.steps[r.index]->partner);
    auto cached = from_cache(p, r.query, r.key, caller);
    if (!cached) return false;
    auto& o = (*plan.outcomes)[r.index];
    cached->step = o.step;
    o = std::move(*cached);
    return true;
  }

  // One step's call, spawned by run_round on the request's executor: its outcome into the plan's
  // outcomes (which outlive the prefill if it stopped waiting), and the round woken when it is
  // the last. `st` is the broker's own recipe's.
  asio::awaitable<void> call_step(const config::RecipeStep* st,
                                  std::shared_ptr<std::vector<StepOutcome>> outcomes, Ready r,
                                  Clock::time_point deadline, Caller caller,
                                  std::shared_ptr<Round> round) {
    auto out = co_await call(*partners.at(st->partner), std::move(r.query), st->mapping,
                             std::move(r.key), deadline, std::move(caller));
    auto& o = (*outcomes)[r.index];
    out.step = o.step;
    if (unfinished(out)) out.status = "error";
    o = std::move(out);
    if (--round->remaining == 0) round->timer.cancel();
  }

  // Completes once the journal entries of every step are durable (docs/audit.md), or with the
  // journal's refusal.
  asio::awaitable<Result<void>> journaled(const std::vector<StepOutcome>& steps) {
    audit::Ticket last = 0;
    for (const auto& s : steps) last = std::max(last, s.journaled);
    if (journal == nullptr || last == 0) co_return Result<void>();
    co_return co_await journal->durable(last);
  }

  // One journal entry: who asked, why, about whom, what came back. Its ticket (0: no journal).
  audit::Ticket journal_entry(PartnerRuntime& p, const Query& q, const Caller& caller,
                              std::string outcome, double latency_ms, std::string body_sha256) {
    if (!journal) return 0;
    audit::ExchangeRecord r;
    r.time = std::chrono::system_clock::now();
    r.principal = caller.principal;
    r.purpose = q.purpose;
    r.correlation_id = q.correlation_id;
    r.partner = p.settings.name;
    r.operation = q.operation;
    r.identifier = p.adapter->identifier(q);
    r.outcome = std::move(outcome);
    r.latency_ms = latency_ms;
    r.response_body_sha256 = std::move(body_sha256);
    return journal->append(std::move(r));
  }

  // Data served without a call of this request's own (from the cache, stale, or shared with a
  // call in flight) is journaled too: who saw what about whom, and when, whatever its route.
  // The entry's answer hash is the original call's, so the two entries can be tied together.
  audit::Ticket journal_served(PartnerRuntime& p, const Query& q, const Caller& caller,
                               const StepOutcome& out) {
    if (!out.answer) return 0;
    return journal_entry(p, q, caller,
                         out.status == "stale"    ? "stale"
                         : out.status == "cached" ? "cached"
                                                  : "shared",
                         out.latency_ms, out.answer->body_sha256);
  }
};

Broker::Broker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Broker::~Broker() = default;

void Broker::observe_answers(AnswerObserver observer) {
  impl_->observe_answer = std::move(observer);
}

Result<std::unique_ptr<Broker>> Broker::create(
    const config::HubConfig& config,
    const std::map<std::string, std::shared_ptr<http::ClientPool>>& pools,
    mapping::Catalog& mappings, audit::Journal* journal, http::Metrics* metrics) {
  // What `cnss-hub check` refuses, serve refuses too: a name that resolves to nothing.
  if (auto problems = check_references(config, mappings.current().get()); !problems.empty()) {
    return make_error(Errc::internal,
                      "the configuration names what does not exist:\n" + problems_text(problems),
                      "configuration_invalid");
  }
  auto impl = std::make_unique<Impl>();
  impl->exchange = config.exchange;
  for (const auto& [name, recipe] : config.exchange.recipes) {
    for (const auto& st : recipe.steps) {
      impl->pointers_read_by_mapping[st.mapping] = pointers_read(config.exchange, st.mapping);
    }
  }
  impl->mappings = &mappings;
  impl->journal = journal;
  impl->metrics = metrics;
  for (const auto& e : config.partners) {
    auto rt = std::make_unique<PartnerRuntime>();
    rt->settings = e;
    auto adapter = AdapterCatalog::instance().make(e);
    if (!adapter) return adapter.error();
    rt->adapter = std::move(*adapter);
    auto pool = pools.find(e.name);
    if (pool == pools.end()) {
      return make_error(Errc::internal, "no connection pool for partner " + e.name);
    }
    rt->pool = pool->second;
    rt->breaker = std::make_unique<CircuitBreaker>(e.breaker);
    rt->limiter = std::make_unique<RetryAfterGate>();
    rt->cache = std::make_unique<AnswerCache>(e.cache.max_entries, e.cache.max_bytes);
    impl->gauge_breaker(e.name, CircuitBreaker::State::closed);
    impl->partners.emplace(e.name, std::move(rt));
  }
  return std::unique_ptr<Broker>(new Broker(std::move(impl)));
}

bool Broker::has_recipe(const std::string& name) const {
  return impl_->exchange.recipes.contains(name);
}

std::map<std::string, PartnerHealth> Broker::partner_states() {
  std::map<std::string, PartnerHealth> out;
  for (auto& [name, p] : impl_->partners) {
    const auto r = p->breaker->report();
    impl_->gauge_breaker(name, r.state);
    impl_->gauge_cache(name, *p->cache);
    out[name] = {CircuitBreaker::name(r.state), r.calls, r.failures, r.last_failure, r.retry_after};
  }
  return out;
}

asio::awaitable<PrefillResult> Broker::prefill(PrefillRequest request, Caller caller) {
  const auto rit = impl_->exchange.recipes.find(request.recipe);
  if (rit == impl_->exchange.recipes.end()) co_return no_such_recipe();
  const config::Recipe& recipe = rit->second;
  // No partner is asked for what could not be answered: the journal must be writing.
  if (auto refused = impl_->journal ? impl_->journal->refusal() : std::nullopt) {
    co_return journal_refused(std::move(*refused));
  }
  const auto deadline = Clock::now() + impl_->exchange.deadline;
  Plan plan = plan_for(recipe, request.category);
  // Rounds: every step whose parameters are known runs, concurrently with the others; a step
  // that needs another step's record waits for the next round.
  for (auto ready = impl_->next_round(plan, request, caller); !ready.empty();
       ready = impl_->next_round(plan, request, caller)) {
    co_await impl_->run_round(plan, std::move(ready), deadline, caller);
  }
  skip_unrun(*plan.outcomes);
  PrefillResult result;
  result.steps = *plan.outcomes;
  // Nothing leaves before the journal holds every exchange the answer rests on, a "not found"
  // or a partner's error included: each says something about the person or company asked for.
  if (auto durable = co_await impl_->journaled(result.steps); !durable) {
    co_return journal_refused(durable.error());
  }
  set_status(result);
  result.body = answer_body(recipe, result.steps, caller.correlation_id, request.provenance);
  co_return result;
}

}  // namespace hub::exchange
