#include "hub/api/app.hpp"

#include <boost/asio/signal_set.hpp>

#include <thread>

#include "hub/api/ops.hpp"
#include "hub/core/log.hpp"
#include "hub/tls/context.hpp"

namespace hub::api {

App::App(config::HubConfig config) : config_(std::move(config)) {
  http::ServerLimits limits;
  const auto& l = config_.limits;
  limits.max_header_bytes = l.max_header_bytes;
  limits.max_body_bytes = l.max_body_bytes;
  limits.read_timeout = l.read_timeout;
  limits.idle_timeout = l.idle_timeout;
  limits.write_timeout = l.write_timeout;
  limits.handshake_timeout = l.handshake_timeout;
  limits.max_connections = l.max_connections;
  server_ = std::make_unique<http::Server>(ioc_, limits, metrics_);
  for (const auto& p : config_.principals) principals_.push_back({p.name, p.roles});
}

App::~App() = default;

std::shared_ptr<http::ClientPool> App::partner(const std::string& name) const {
  auto it = partners_.find(name);
  return it == partners_.end() ? nullptr : it->second;
}

Result<void> App::build_partner_pools() {
  for (const auto& p : config_.partners) {
    auto ctx = tls::make_client_context({p.ca, p.certificate, p.key});
    if (!ctx) return ctx.error();
    http::ClientOptions o;
    o.name = p.name;
    o.base_url = p.base_url;
    o.server_name = p.server_name;
    o.tls = *ctx;
    o.max_connections = p.max_connections;
    o.connect_timeout = p.connect_timeout;
    o.request_timeout = p.request_timeout;
    o.max_response_bytes = p.max_response_bytes;
    auto pool = http::ClientPool::create(std::move(o), &metrics_);
    if (!pool) return pool.error();
    partners_[p.name] = *pool;
  }
  return {};
}

void App::record_certificate_expiry() {
  auto record = [this](const std::string& role, const std::string& file) {
    if (auto info = tls::read_certificate_info(file)) {
      metrics_.certificate_expiry(role, info->subject, info->not_after);
    }
  };
  for (const auto& l : config_.listeners) {
    record("listener/" + l.name, l.tls.certificate);
    for (const auto& ca : l.tls.client_ca) record("listener/" + l.name + "/client_ca", ca);
  }
  for (const auto& p : config_.partners) {
    record("partner/" + p.name + "/client", p.certificate);
    record("partner/" + p.name + "/ca", p.ca);
  }
}

Result<void> App::start() {
  store::Options so{config_.store.engine, config_.store.path, config_.store.url,
                    config_.store.pool_size};
  auto st = store::open(so);
  if (!st) return st.error();
  store_ = std::move(*st);
  if (auto r = build_partner_pools(); !r) return r;
  record_certificate_expiry();

  const auto* principals = &principals_;
  const auto* cfg = &config_;
  for (const auto& l : config_.listeners) {
    auto ctx = tls::make_server_context(
        {l.tls.certificate, l.tls.key, l.tls.client_ca, l.tls.crl, "cnss-hub/" + l.name});
    if (!ctx) return ctx.error();
    auto router = std::make_unique<http::Router>();
    for (const auto& iface : l.interfaces) {
      if (iface == "ops") add_ops_routes(*router, {&metrics_, store_.get(), &partners_});
    }
    http::ListenerOptions o;
    o.name = l.name;
    o.address = l.address;
    o.port = l.port;
    o.tls = *ctx;
    o.handler = router->handler();
    o.authenticate = [principals, cfg](const tls::PeerIdentity& id) -> const http::Principal* {
      const config::Principal* p = cfg->principal_by_subject(id.subject, id.issuer);
      if (p == nullptr) return nullptr;
      return &(*principals)[static_cast<std::size_t>(p - cfg->principals.data())];
    };
    listener_routers_[l.name] = std::move(router);
    auto port = server_->listen(std::move(o));
    if (!port) return port.error();
    ports_[l.name] = *port;
  }
  return {};
}

int App::run() {
  boost::asio::signal_set signals(ioc_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", std::to_string(sig)}});
    server_->stop();
    ioc_.stop();
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < config_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace hub::api
