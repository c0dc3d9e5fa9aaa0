#include "broker_rig.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <future>
#include <stdexcept>

#include "hub/exchange/adapter.hpp"
#include "hub/http/client.hpp"
#include "hub/tls/context.hpp"
#include "support/pki.hpp"

namespace broker_rig {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace ts = testing_support;
using namespace std::chrono_literals;

// The fake adapter: GET /lookup?id=<id>, the purpose in X-Purpose; the identifier is the id.
class FakeAdapter final : public hub::exchange::Adapter {
 public:
  hub::Result<hub::http::Request> build(const hub::exchange::Query& q) const override {
    if (q.operation != "lookup") {
      return hub::make_error(hub::Errc::internal, "fake: unknown operation " + q.operation);
    }
    const std::string id = hub::exchange::require_param(q, "id");
    auto req = hub::exchange::make_request(
        bhttp::verb::get, "/lookup?id=" + boost::urls::encode(id, boost::urls::unreserved_chars),
        q);
    req.set("X-Purpose", q.purpose);
    return req;
  }
  std::string identifier(const hub::exchange::Query& q) const override {
    return hub::exchange::require_param(q, "id");
  }
};

const auto kRegistration = hub::exchange::registration<FakeAdapter>("fake", {"lookup"});

// The project's mappings, compiled (and their golden cases run) once per process.
hub::mapping::Catalog& project_mappings() {
  static hub::mapping::Catalog catalog(ts::source_dir() + "/mappings");
  static const bool loaded = (catalog.reload(), true);
  (void)loaded;
  return catalog;
}

void raise_to(std::atomic<std::size_t>& most, std::size_t now) {
  std::size_t seen = most.load();
  while (now > seen && !most.compare_exchange_weak(seen, now)) {
  }
}

}  // namespace

FakePartner::FakePartner(Script script) : server_(ioc_, {}, metrics_), script_(std::move(script)) {
  auto ctx = hub::tls::make_server_context({ts::pki("sim/dgsn.crt"),
                                            ts::pki("sim/dgsn.key"),
                                            {ts::pki("ca/dgsn.crt")},
                                            {ts::pki("ca/dgsn.crl")}});
  if (!ctx) throw std::runtime_error(ctx.error().message);
  hub::http::ListenerOptions o;
  o.name = "partner";
  o.tls = *ctx;
  o.access_log = false;
  o.request_metrics = false;
  o.authenticate = [this](const hub::tls::PeerIdentity&) { return &principal_; };
  o.handler = [this](const hub::http::Request& r,
                     hub::http::RequestContext&) -> asio::awaitable<hub::http::Response> {
    return answer(r);
  };
  auto port = server_.listen(std::move(o));
  if (!port) throw std::runtime_error(port.error().message);
  port_ = *port;
  thread_ = std::thread([this] { ioc_.run(); });
}

FakePartner::~FakePartner() {
  ioc_.stop();
  thread_.join();
}

std::string FakePartner::url() const {
  return "https://127.0.0.1:" + std::to_string(port_);
}

void FakePartner::set_script(Script script) {
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
}

asio::awaitable<hub::http::Response> FakePartner::answer(const hub::http::Request& req) {
  ++calls_;
  raise_to(most_in_flight_, ++in_flight_);
  Reply reply;
  {
    std::lock_guard lock(mutex_);
    reply = script_(req);
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto give_up = std::chrono::steady_clock::now() + 1s;
  while (in_flight_.load() < reply.answer_when_in_flight &&
         std::chrono::steady_clock::now() < give_up) {
    timer.expires_after(2ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (reply.delay > 0ms) {
    timer.expires_after(reply.delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  --in_flight_;
  auto res = hub::http::text_response(reply.status, std::move(reply.body), reply.content_type,
                                      req.version());
  if (!reply.retry_after.empty()) res.set(bhttp::field::retry_after, reply.retry_after);
  co_return res;
}

std::string taxpayer_json(const std::string& fiscal_id, const std::string& ice,
                          const std::string& name) {
  return R"({"identifiantFiscal":")" + fiscal_id + R"(","ice":")" + ice +
         R"(","type":"PERSONNE_MORALE","raisonSociale":")" + name +
         R"(","regimeImposition":"IS","situation":"ACTIF"})";
}

hub::config::PartnerEndpoint partner(const std::string& name, const FakePartner& server) {
  hub::config::PartnerEndpoint e;
  e.name = name;
  e.adapter = "fake";
  e.base_url = server.url();
  e.server_name = "localhost";
  e.ca = ts::pki("ca/dgsn.crt");
  e.certificate = ts::pki("hub/client-dgsn.crt");
  e.key = ts::pki("hub/client-dgsn.key");
  e.retry.max_attempts = 1;
  return e;
}

hub::config::RecipeStep step(const std::string& as, const std::string& partner,
                             const std::string& id_template) {
  hub::config::RecipeStep s;
  s.as = as;
  s.partner = partner;
  s.operation = "lookup";
  s.mapping = "dgi.taxpayer";
  s.params = {{"id", id_template}};
  return s;
}

hub::config::RecipeStep step_of(const std::string& partner, const std::string& operation,
                                const std::string& param, const std::string& mapping) {
  hub::config::RecipeStep s;
  s.as = partner;
  s.partner = partner;
  s.operation = operation;
  s.mapping = mapping;
  s.params = {{param, "{id}"}};
  return s;
}

Rig::Rig(hub::config::HubConfig config) : config_(std::move(config)) {
  for (const auto& e : config_.partners) {
    auto tls = hub::tls::make_client_context({e.ca, e.certificate, e.key});
    if (!tls) throw std::runtime_error(tls.error().message);
    hub::http::ClientOptions o;
    o.name = e.name;
    o.base_url = e.base_url;
    o.server_name = e.server_name;
    o.tls = *tls;
    o.request_timeout = e.request_timeout;
    auto pool = hub::http::ClientPool::create(std::move(o), nullptr);
    if (!pool) throw std::runtime_error(pool.error().message);
    pools_[e.name] = *pool;
  }
  auto broker =
      hub::exchange::Broker::create(config_, pools_, project_mappings(), nullptr, nullptr);
  if (!broker) throw std::runtime_error(broker.error().message);
  broker_ = std::move(*broker);
}

Rig::~Rig() {
  broker_.reset();
  pools_.clear();  // before the io_context their idle connections belong to
}

hub::exchange::PrefillResult Rig::prefill(const std::string& recipe, const std::string& id,
                                          hub::exchange::Caller caller) {
  return std::move(prefill_together(recipe, id, 1, std::move(caller)).front());
}

std::vector<hub::exchange::PrefillResult> Rig::prefill_together(const std::string& recipe,
                                                                const std::string& id,
                                                                std::size_t n,
                                                                hub::exchange::Caller caller) {
  hub::exchange::PrefillRequest request;
  request.recipe = recipe;
  request.params = {{"id", id}};
  request.purpose = purpose;
  if (caller.correlation_id.empty()) caller.correlation_id = "0b7c6a52-1f0e-4a3b-9a8e-3c2d1b0a9f87";
  ioc_.restart();
  std::vector<std::future<hub::exchange::PrefillResult>> done;
  for (std::size_t i = 0; i < n; ++i) {
    done.push_back(asio::co_spawn(ioc_, broker_->prefill(request, caller), asio::use_future));
  }
  ioc_.run();
  std::vector<hub::exchange::PrefillResult> out;
  for (auto& d : done) out.push_back(d.get());
  return out;
}

}  // namespace broker_rig
