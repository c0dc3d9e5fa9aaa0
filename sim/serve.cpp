#include "sim/serve.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <memory>
#include <thread>

#include "hub/core/log.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "sim/data/handlers.hpp"
#include "sim/faults.hpp"
#include "sim/partners.hpp"
#include "sim/wire.hpp"

namespace sim {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using hub::http::Request;
using hub::http::RequestContext;
using hub::http::Response;

// The identifier a request asks about, for the per-identifier counters: the last path segment
// that is not a fixed word, a query value, or DGSN's NumeroCNIE element.
std::string identifier_of(const std::string& partner, std::string_view target,
                          std::string_view body) {
  if (partner == "dgsn") {
    const auto p = body.find("NumeroCNIE>");
    if (p == std::string_view::npos) return {};
    const auto start = p + 11;
    const auto end = body.find('<', start);
    return end == std::string_view::npos ? std::string{}
                                         : std::string(body.substr(start, end - start));
  }
  for (const char* key : {"ice", "cnie"}) {
    if (auto v = hub::http::query_param(target, key)) return *v;
  }
  std::string_view path = hub::http::path_of(target);
  if (path.ends_with("/famille")) path.remove_suffix(8);
  const auto slash = path.rfind('/');
  return std::string(path.substr(slash + 1));
}

struct PartnerRuntime {
  PartnerListener listener;
  const SimulatedPartner* partner = nullptr;
  Options options;
  std::unique_ptr<FaultState> faults;
  Counters counters;
  std::unique_ptr<RateLimiter> limiter;
  std::vector<PartnerRuntime*>* all = nullptr;
};

Response to_response(const Reply& r, unsigned version) {
  Response res{static_cast<bhttp::status>(r.status), version};
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<Response> control(PartnerRuntime& p, const Request& req, RequestContext& ctx) {
  const auto path = hub::http::path_of(req.target());
  ctx.route = std::string(path);
  const bool all = hub::http::query_param(req.target(), "all").value_or("") == "true";
  if (path == "/_sim/faults" && req.method() == bhttp::verb::get) {
    co_return hub::http::json_response(200, p.faults->to_json(), req.version());
  }
  if (path == "/_sim/faults" && req.method() == bhttp::verb::put) {
    std::vector<PartnerRuntime*> targets = all ? *p.all : std::vector<PartnerRuntime*>{&p};
    for (auto* t : targets) {
      if (auto r = t->faults->update_from_json(req.body()); !r) {
        co_return hub::http::error_response(r.error(), ctx, req.version());
      }
    }
    hub::log::info("faults changed",
                   {{"partner", all ? "all" : p.listener.name}, {"faults", p.faults->to_json()}});
    co_return hub::http::json_response(200, p.faults->to_json(), req.version());
  }
  if (path == "/_sim/counters" && req.method() == bhttp::verb::get) {
    if (auto id = hub::http::query_param(req.target(), "id")) {
      co_return hub::http::json_response(
          200, R"({"count":)" + std::to_string(p.counters.for_identifier(*id)) + "}",
          req.version());
    }
    co_return hub::http::json_response(200, p.counters.to_json(), req.version());
  }
  if (path == "/_sim/counters" && req.method() == bhttp::verb::delete_) {
    p.counters.reset();
    co_return hub::http::json_response(200, p.counters.to_json(), req.version());
  }
  co_return hub::http::error_response(hub::make_error(hub::Errc::not_found,
                                                      "control endpoints: GET|PUT /_sim/faults, "
                                                      "GET|DELETE /_sim/counters[?id=]"),
                                      ctx, req.version());
}

asio::awaitable<Response> handle(PartnerRuntime& p, const Request& req, RequestContext& ctx) {
  if (hub::http::path_of(req.target()).starts_with("/_sim/"))
    co_return co_await control(p, req, ctx);
  ctx.route = p.listener.name;
  const FaultDraw fault = p.faults->draw();
  co_await sleep_for(fault.delay);
  if (fault.reset) {
    p.counters.count("injected_reset", {});
    ctx.reset_connection = true;
    co_return Response{};
  }
  if (p.limiter && !p.limiter->allow(ctx.peer_subject)) {
    p.counters.count("quota", {});
    Reply quota = p.partner->over_quota();
    put_on_the_wire(quota, fault, req[bhttp::field::accept_encoding]);
    co_return to_response(quota, req.version());
  }
  Reply reply;
  std::string id;
  if (fault.error) {
    reply = p.partner->unavailable();
  } else {
    sim::Request r;
    r.method = req.method_string();
    r.target = req.target();
    r.body = req.body();
    r.motif = req["X-Motif"];
    r.content_type = req[bhttp::field::content_type];
    r.finalite = req["X-Finalite"];
    r.correlation_id = req["X-Correlation-ID"];
    reply = p.partner->handle(r, p.options);
    id = identifier_of(p.listener.name, req.target(), req.body());
  }
  if (fault.malformed && reply.status == 200) {
    reply.body.resize(reply.body.size() / 2);
    reply.kind = "injected_malformed";
  }
  put_on_the_wire(reply, fault, req[bhttp::field::accept_encoding]);
  p.counters.count(reply.kind, id);
  co_await sleep_for(reply.delay);
  if (fault.slow_body) {
    ctx.slow_write_chunk = 64;
    ctx.slow_write_pause = fault.slow_body_pause;
  }
  co_return to_response(reply, req.version());
}

}  // namespace

int serve(const SimConfig& config) {
  asio::io_context ioc;
  hub::http::Metrics metrics;
  hub::http::ServerLimits limits;
  limits.write_timeout = std::chrono::minutes(5);  // slow bodies are on purpose here
  limits.idle_timeout = std::chrono::minutes(5);
  hub::http::Server server(ioc, limits, metrics);

  static const hub::http::Principal client{"partner-client", {}};
  std::vector<std::unique_ptr<PartnerRuntime>> runtimes;
  std::vector<PartnerRuntime*> all;
  for (const auto& l : config.partners) {
    auto rt = std::make_unique<PartnerRuntime>();
    rt->listener = l;
    rt->partner = simulated_partner(l.name);  // the configuration names simulated ones only
    rt->options = Options{config.seed, config.strict, config.conflict_share};
    rt->faults = std::make_unique<FaultState>(l.faults.value_or(config.faults));
    if (l.rate_limit.per_second > 0) rt->limiter = std::make_unique<RateLimiter>(l.rate_limit);
    rt->all = &all;
    all.push_back(rt.get());
    runtimes.push_back(std::move(rt));
  }
  for (auto& rt : runtimes) {
    hub::tls::ServerOptions so;
    so.certificate = rt->listener.certificate;
    so.key = rt->listener.key;
    so.client_ca = {rt->listener.client_ca};
    if (!rt->listener.crl.empty()) so.crl = {rt->listener.crl};
    so.session_id_context = "cnss-sim/" + rt->listener.name;
    auto ctx = hub::tls::make_server_context(so);
    if (!ctx) {
      hub::log::error("cannot start",
                      {{"partner", rt->listener.name}, {"error", ctx.error().message}});
      return 1;
    }
    hub::http::ListenerOptions o;
    o.name = rt->listener.name;
    o.address = config.address;
    o.port = rt->listener.port;
    o.tls = *ctx;
    // Load runs open every connection from one address (the hub, the load generator): no budget
    // of the hub's binds here.
    o.connections = {4096, 4096, 4096, 4096, std::chrono::seconds(5)};
    o.access_log = false;       // a load test would spend its time logging
    o.request_metrics = false;  // nobody reads the simulators' metrics: the control endpoint counts
    o.authenticate = [](const hub::tls::PeerIdentity&) { return &client; };
    PartnerRuntime* p = rt.get();
    o.handler = [p](const hub::http::Request& req, RequestContext& ctx) {
      return handle(*p, req, ctx);
    };
    auto port = server.listen(std::move(o));
    if (!port) {
      hub::log::error("cannot start",
                      {{"partner", rt->listener.name}, {"error", port.error().message}});
      return 1;
    }
    hub::log::info("listening", {{"listener", rt->listener.name},
                                 {"address", config.address},
                                 {"port", std::to_string(*port)},
                                 {"strict", config.strict ? "true" : "false"}});
  }
  hub::log::info("ready", {{"partners", std::to_string(runtimes.size())}});

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop();
    ioc.stop();
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < config.threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace sim
