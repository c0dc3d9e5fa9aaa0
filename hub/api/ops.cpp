#include "hub/api/ops.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>

#include "hub/api/readiness_memory.hpp"

namespace hub::api {
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

namespace {
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A partner whose breaker is open (or probing) is `degraded`, with why: the calls and failures
// that opened it and the last failure's code (docs/exchange.md, "The breaker").
void write_breaker(Writer& w, const exchange::PartnerHealth& h) {
  w.Key("circuit");
  w.String(h.circuit.c_str());
  w.Key("status");
  w.String(h.circuit == "closed" ? "ok" : "degraded");
  if (h.circuit == "closed") return;
  w.Key("why");
  w.StartObject();
  w.Key("failed_calls");
  w.Uint64(h.failures);
  w.Key("calls");
  w.Uint64(h.calls);
  w.Key("last_failure");
  w.String(h.last_failure.c_str());
  w.EndObject();
  w.Key("retry_after_ms");
  w.Int64(h.retry_after.count());
}

void write_partners(Writer& w, const OpsState& state) {
  w.StartObject();
  const auto breakers = state.partner_states ? state.partner_states()
                                             : std::map<std::string, exchange::PartnerHealth>{};
  if (state.partners) {
    for (const auto& [name, pool] : *state.partners) {
      const auto s = pool->stats();
      w.Key(name.c_str());
      w.StartObject();
      if (auto it = breakers.find(name); it != breakers.end()) write_breaker(w, it->second);
      w.Key("endpoint");
      w.String(pool->options().base_url.c_str());
      w.Key("connections_opened");
      w.Uint64(s.connections_opened);
      w.EndObject();
    }
  }
  w.EndObject();
}

// The last time this node was not ready: from, to (absent while it lasts), the first reason.
void write_last_not_ready(Writer& w, const ReadinessMemory::Episode& last) {
  w.Key("last_not_ready");
  w.StartObject();
  w.Key("from");
  w.String(last.from.c_str());
  if (!last.to.empty()) {
    w.Key("to");
    w.String(last.to.c_str());
  }
  w.Key("reason");
  w.String(last.reason.c_str());
  w.EndObject();
}

// The journal writer's state as a gauge (0 ok, 1 failing, 2 stopped, 3 spooling), refreshed when
// asked for.
audit::JournalStatus journal_status(const OpsState& state) {
  const auto s = state.journal->status();
  if (state.metrics) {
    state.metrics->set_gauge(
        "cnss_journal_state",
        "The exchange journal writer: 0 ok, 1 failing, 2 stopped, 3 spooling (docs/audit.md)",
        "store", state.store ? state.store->engine() : "none", static_cast<double>(s.state));
  }
  return s;
}

}  // namespace

void add_ops_routes(http::Router& router, OpsState state) {
  router.add(
      bhttp::verb::get, "/healthz", "",
      [](const http::Request& req, http::RequestContext&) -> asio::awaitable<http::Response> {
        co_return http::json_response(200, R"({"status":"alive"})", req.version());
      });

  auto memory = std::make_shared<ReadinessMemory>();
  router.add(bhttp::verb::get, "/readyz", "",
             [state, memory](const http::Request& req,
                             http::RequestContext&) -> asio::awaitable<http::Response> {
               std::string why_not;
               rapidjson::StringBuffer sb;
               rapidjson::Writer<rapidjson::StringBuffer> w(sb);
               bool ready = true;
               w.StartObject();
               w.Key("checks");
               w.StartObject();
               w.Key("config");
               w.String("ok");
               w.Key("store");
               w.StartObject();
               w.Key("engine");
               const std::string engine = state.store ? state.store->engine() : "none";
               w.String(engine.c_str());
               // A store that keeps the hub waiting makes the probe wait, never an I/O thread.
               auto ping_store = [store = state.store] {
                 return store ? store->ping()
                              : Result<void>(make_error(Errc::internal, "no store"));
               };
               // Not `cond ? co_await ... : ...`: GCC 12 destroys that temporary twice (a double
               // free once the ping fails, found by the cluster test).
               Result<void> ping;
               if (state.store_pool) {
                 ping = co_await state.store_pool->run<Result<void>>(ping_store);
               } else {
                 ping = ping_store();
               }
               w.Key("status");
               w.String(ping ? "ok" : "unreachable");
               if (!ping) {
                 ready = false;
                 why_not = "store unreachable: " + ping.error().message;
                 w.Key("error");
                 w.String(ping.error().message.c_str());
               }
               w.EndObject();
               // Partner data is served only once journaled: a journal that cannot write makes the
               // hub unready, with the reason. A spooling journal keeps serving (the store's own
               // check says whether the node is ready).
               if (state.journal) {
                 const auto j = journal_status(state);
                 w.Key("journal");
                 w.StartObject();
                 w.Key("status");
                 w.String(std::string(audit::state_name(j.state)).c_str());
                 if (!j.error.empty()) {
                   w.Key("error");
                   w.String(j.error.c_str());
                 }
                 w.Key("pending");
                 w.Uint64(j.pending);
                 w.EndObject();
                 const bool writing =
                     j.state == audit::JournalState::ok || j.state == audit::JournalState::spooling;
                 ready = ready && writing;
                 if (why_not.empty() && !writing) {
                   why_not = "journal " + std::string(audit::state_name(j.state)) + ": " + j.error;
                 }
               }
               w.EndObject();
               // The last time this node was not ready, and why, also once it has recovered.
               memory->observe(why_not);
               if (auto last = memory->last()) {
                 write_last_not_ready(w, *last);
               }
               // Partners never make the hub unready: it answers with what it has (degraded mode).
               w.Key("partners");
               write_partners(w, state);
               w.Key("status");
               w.String(ready ? "ready" : "not_ready");
               w.EndObject();
               co_return http::json_response(
                   ready ? 200 : 503, std::string(sb.GetString(), sb.GetSize()), req.version());
             });

  router.add(
      bhttp::verb::get, "/metrics", "ops",
      [state](const http::Request& req, http::RequestContext&) -> asio::awaitable<http::Response> {
        if (state.journal) (void)journal_status(state);
        if (state.partner_states) (void)state.partner_states();  // breaker and cache gauges
        co_return http::text_response(200, state.metrics->render(),
                                      "text/plain; version=0.0.4; charset=utf-8", req.version());
      });
}

}  // namespace hub::api
