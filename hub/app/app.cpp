#include "hub/app/app.hpp"

#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <thread>

#include "hub/agreements/mask.hpp"
#include "hub/agreements/roles.hpp"
#include "hub/agreements/stored.hpp"
#include "hub/api/agreement_admin.hpp"
#include "hub/api/authenticate.hpp"
#include "hub/api/disclosure_routes.hpp"
#include "hub/api/feed_routes.hpp"
#include "hub/api/job_routes.hpp"
#include "hub/api/journal_routes.hpp"
#include "hub/api/ops.hpp"
#include "hub/api/partner_events.hpp"
#include "hub/api/partner_reads.hpp"
#include "hub/api/prefill_routes.hpp"
#include "hub/api/registration_routes.hpp"
#include "hub/api/web_routes.hpp"
#include "hub/api/workbench_routes.hpp"
#include "hub/app/broker_facts.hpp"
#include "hub/app/checkpoints.hpp"
#include "hub/app/file_watch.hpp"
#include "hub/app/registry_events.hpp"
#include "hub/cluster/lease.hpp"
#include "hub/core/log.hpp"
#include "hub/core/process.hpp"
#include "hub/partner/disclosures.hpp"
#include "hub/tls/context.hpp"

namespace hub::app {

App::App(config::HubConfig config) : config_(std::move(config)) {
  http::ServerLimits limits;
  const auto& l = config_.limits;
  limits.max_header_bytes = l.max_header_bytes;
  limits.max_body_bytes = l.max_body_bytes;
  limits.read_timeout = l.read_timeout;
  limits.idle_timeout = l.idle_timeout;
  limits.write_timeout = l.write_timeout;
  limits.handshake_timeout = l.handshake_timeout;
  server_ = std::make_unique<http::Server>(ioc_, limits, metrics_);
  for (const auto& p : config_.principals) principals_.push_back({p.name, p.roles});
}

App::~App() {
  if (follower_) follower_->stop();
  if (store_) store_->on_feed_append(nullptr);
}

std::shared_ptr<http::ClientPool> App::partner(const std::string& name) const {
  auto it = partners_.find(name);
  return it == partners_.end() ? nullptr : it->second;
}

std::map<std::string, std::vector<http::RouteInfo>> App::routes() const {
  std::map<std::string, std::vector<http::RouteInfo>> out;
  for (const auto& [listener, router] : listener_routers_) out[listener] = router->routes();
  return out;
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
    o.rate_per_second = p.rate_limit.per_second;
    o.rate_burst = p.rate_limit.burst;
    o.rate_reserve = config_.jobs.reserve * p.rate_limit.burst;
    o.pacer = node_->pacer_for(p);
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

namespace {
http::ConnectionLimits connection_limits(const config::ConnectionLimits& c) {
  return {c.max_connections, c.max_pre_handshake, c.max_connections_per_address,
          c.max_pre_handshake_per_address, c.first_byte_timeout};
}

// Each listener may hold its max_connections, and the store, partners, files and logs need
// descriptors too: say so at start rather than on the first accept that fails.
void check_open_file_limit(const config::HubConfig& c) {
  const std::size_t limit = process::raise_open_file_limit();
  std::size_t wanted = 256;
  for (const auto& l : c.listeners) wanted += l.connections.max_connections;
  for (const auto& p : c.partners) wanted += p.max_connections;
  if (limit != 0 && limit < wanted) {
    log::warn("the open-file limit is below what the connection limits allow",
              {{"limit", std::to_string(limit)}, {"wanted", std::to_string(wanted)}});
  }
}
}  // namespace

Result<void> App::start() {
  check_open_file_limit(config_);
  store::Options so{config_.store.engine, config_.store.path, config_.store.url,
                    config_.store.pool_size};
  auto st = store::open(so);
  if (!st) return st.error();
  store_ = std::move(*st);
  node_ = std::make_unique<NodeWork>(config_, *store_, metrics_);
  // As many threads as PostgreSQL connections (a call holds one), two for SQLite (one
  // connection: a second thread only queues, but keeps a long call from delaying the next).
  store_pool_ = std::make_unique<registry::StorePool>(
      config_.store.engine == "postgresql" ? std::max<std::size_t>(config_.store.pool_size, 2) : 2);
  // The change feed: this node's commits wake its long-polling readers at once; on PostgreSQL
  // they also read again every feed.poll_ms for the commits of other nodes (docs/feed.md).
  feed_ = std::make_unique<feed::Feed>(*store_, *store_pool_, config_.feed,
                                       config_.store.engine == "postgresql");
  store_->on_feed_append([f = feed_.get()] { f->notify(); });
  if (auto r = build_partner_pools(); !r) return r;
  record_certificate_expiry();
  auto checkpointer = make_checkpointer(config_, *store_, metrics_);
  if (!checkpointer) return checkpointer.error();
  checkpointer_ = std::move(*checkpointer);
  journal_proofs_ =
      std::make_unique<audit::JournalProofs>(*store_, config_.audit.checkpoint_interval);

  if (!config_.mappings_dir.empty()) {
    mappings_ = std::make_unique<mapping::Catalog>(config_.mappings_dir);
    if (auto loaded = load_mappings(); !loaded) return loaded;
    auto key = audit::load_or_create_key(config_.data_dir);
    if (!key) return key.error();
    audit::JournalOptions jo;
    // The name the file had before it became the spool, so that an upgrade finds its entries.
    jo.spool_path = config_.data_dir + "/audit-unwritten.jsonl";
    jo.spool = config_.journal.spool;
    jo.spool_after = config_.journal.spool_after;
    jo.on_write_failure = [this](std::string_view reason) {
      metrics_.increment("cnss_journal_write_failures_total",
                         "Failed exchange journal writes, by reason (store_error: retried; "
                         "head_mismatch: the writer stops)",
                         "reason", reason);
    };
    journal_ = std::make_unique<audit::Journal>(*store_, *key, std::move(jo));
    auto broker =
        exchange::Broker::create(config_, partners_, *mappings_, journal_.get(), &metrics_);
    if (!broker) return broker.error();
    broker_ = std::move(*broker);
    jobs_ = std::make_unique<jobs::Runner>(config_, *store_, *broker_, journal_.get(), ioc_);
    facts_ = std::make_unique<BrokerFacts>(*broker_);
    registry_ = std::make_unique<registry::Registry>(*store_, *facts_, node_->clock());
    registry_->run_store_calls_on(store_pool_.get());
    applier_ = std::make_unique<RegistryEvents>(*registry_);
    events_ = std::make_unique<events::Inbox>(
        config_.events.sources, *store_, *mappings_, *applier_, node_->clock(), journal_.get(),
        &metrics_,
        std::chrono::milliseconds(static_cast<std::int64_t>(config_.events.await_days) *
                                  86'400'000));
    if (auto c = events_->check(); !c) return c.error();
    if (auto a = seed_agreements(); !a) return a;
    make_workbench();
    agreements_ = std::make_unique<agreements::Current>(*store_, config_.principals);
    partner_reader_ = std::make_unique<partner::Reader>(
        partner::ReaderParts{store_.get(), registry_.get(), mappings_.get(), journal_.get(),
                             agreements_.get(), &node_->clock(), cluster::node_id()});
    // The feed's consumers read under their agreements too (docs/feed.md).
    feed_->serve_agreements(*agreements_, *mappings_, node_->clock());
  }

  for (const auto& l : config_.listeners) {
    auto ctx = tls::make_server_context(
        {l.tls.certificate, l.tls.key, l.tls.client_ca, l.tls.crl, "cnss-hub/" + l.name});
    if (!ctx) return ctx.error();
    auto router = std::make_unique<http::Router>();
    api::add_journal_routes_for(*router, l.interfaces, *journal_proofs_, *store_pool_);
    for (const auto& iface : l.interfaces) {
      if (iface == "ops") {
        api::OpsState ops{&metrics_, store_.get(),      &partners_,
                          {},        store_pool_.get(), journal_.get()};
        if (broker_) ops.partner_states = [b = broker_.get()] { return b->partner_states(); };
        api::add_ops_routes(*router, ops);
      }
      if (iface == "registration" && broker_) {
        api::add_prefill_routes(*router, *broker_);
        api::add_registration_routes(*router, *registry_, *store_pool_);
        api::add_disclosure_routes(*router, *registry_, *store_, *journal_, *store_pool_);
        api::add_job_routes(*router, {&config_.jobs, store_.get(), store_pool_.get(), jobs_.get()});
      }
      if (iface == "partner" && events_) {
        api::add_partner_event_routes(*router, *events_, *store_pool_);
        api::add_partner_read_routes(*router, *partner_reader_, *journal_, *store_pool_,
                                     config_.journal.receipts_always);
      }
      if (iface == "admin" && events_) {
        api::add_event_admin_routes(*router, *events_, *store_pool_);
        api::add_agreement_admin_routes(
            *router, {store_.get(), store_pool_.get(), &config_.principals, mappings_.get(),
                      &node_->clock()});
      }
      if (iface == "admin" && workbench_)
        api::add_workbench_routes(*router,
                                  {workbench_.get(), workbench_pool_.get(), journal_.get()});
      if (iface == "feed") api::add_feed_routes(*router, *feed_);
      if (iface == "web") {
        if (auto pages = api::add_web_routes(*router, config_.web_dir); !pages)
          return pages.error();
      }
    }
    http::ListenerOptions o;
    o.name = l.name;
    o.address = l.address;
    o.port = l.port;
    o.tls = *ctx;
    o.connections = connection_limits(l.connections);
    o.handler = router->handler();
    o.streamed = router->streamed_routes();
    o.authenticate = api::make_authenticator(l.name, config_, principals_, metrics_);
    listener_routers_[l.name] = std::move(router);
    auto port = server_->listen(std::move(o));
    if (!port) return port.error();
    ports_[l.name] = *port;
  }
  if (checkpointer_) checkpointer_->start();
  return {};
}

// The configuration's agreements, checked against the canonical model, stored on the first start
// (later starts serve the stored set, which PUT /admin/v1/agreements changes).
Result<void> App::seed_agreements() {
  auto problems = agreements::check(config_.agreements, mappings_->current()->model());
  for (auto& p : agreements::check_roles(config_.agreements, config_.principals))
    problems.push_back(p);
  if (!problems.empty()) {
    std::string why;
    for (const auto& p : problems) why += p.to_string() + "\n";
    return make_error(Errc::internal, "the agreements do not fit the canonical model:\n" + why,
                      "agreements_invalid");
  }
  auto set = agreements::load_or_seed(*store_, config_.agreements, config_.principals,
                                      {"configuration", "", "", node_->clock().now_ms()});
  if (!set) return set.error();
  log::info("agreements loaded", {{"version", std::to_string(set->version)},
                                  {"agreements", std::to_string(set->agreements.size())}});
  return {};
}

void App::prune_disclosures() {
  // One node of a cluster prunes (it keeps the turn while it lives), like the feed's pruning.
  if (!cluster::Lease::turn(*store_, "job:disclosures-prune", 2 * config_.feed.prune_every)) return;
  const std::chrono::milliseconds retention(
      static_cast<std::int64_t>(config_.audit.retention_days) * 86'400'000);
  auto removed = partner::prune_disclosures(
      *store_,
      std::chrono::system_clock::time_point(std::chrono::milliseconds(node_->clock().now_ms())),
      retention);
  if (!removed) {
    log::error("disclosures not pruned", {{"error", removed.error().message}});
  } else if (*removed > 0) {
    log::info("disclosures pruned", {{"rows", std::to_string(*removed)}});
  }
}

void App::prune_feed() {
  // One node of a cluster prunes (it keeps the turn while it lives; docs/feed.md).
  if (!cluster::Lease::turn(*store_, "job:feed-prune", 2 * config_.feed.prune_every)) return;
  auto removed = feed_->prune(node_->clock().now_ms());
  if (!removed) {
    log::error("change feed not pruned", {{"error", removed.error().message}});
  } else if (*removed > 0) {
    log::info("change feed pruned", {{"changes", std::to_string(*removed)}});
  }
}

void App::reload_mappings(const char* why) {
  if (!mappings_) return;
  auto report = mappings_->reload();
  if (report.ok()) {
    log::info("mappings reloaded", {{"why", why},
                                    {"mappings", std::to_string(report.snapshot->size())},
                                    {"cases", std::to_string(report.cases.size())}});
    return;
  }
  std::string first;
  for (const auto& d : report.diagnostics) {
    if (first.empty()) first = d.str();
  }
  for (const auto& c : report.cases) {
    if (!c.passed && first.empty()) first = c.mapping_id + " case " + c.name + ": " + c.message;
  }
  log::error("mappings not reloaded: the previous set keeps serving",
             {{"why", why}, {"first_problem", first}});
}

void App::reload_tls(const char* why) {
  // Each listener's context is built anew from its files; one that fails (a key that does not
  // match, a CRL being rewritten) keeps the listener on its previous context, and says why.
  for (const auto& l : config_.listeners) {
    auto ctx = tls::make_server_context(
        {l.tls.certificate, l.tls.key, l.tls.client_ca, l.tls.crl, "cnss-hub/" + l.name});
    if (!ctx) {
      log::error("TLS not reloaded: the listener keeps its previous certificates and CRLs",
                 {{"listener", l.name}, {"why", why}, {"error", ctx.error().message}});
      continue;
    }
    const auto closed = server_->set_tls(l.name, *ctx);
    // Connections whose client the new CAs or CRLs no longer trust are closed at once.
    log::info("TLS reloaded", {{"listener", l.name},
                               {"why", why},
                               {"closed_connections", std::to_string(closed.value_or(0))}});
  }
  record_certificate_expiry();
}

int App::run() {
  std::atomic<bool> stopping{false};
  std::mutex watch_mutex;
  std::condition_variable watch_cv;
  std::atomic<bool> reload_asked{false};

  boost::asio::signal_set signals(ioc_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", std::to_string(sig)}});
    server_->stop();
    ioc_.stop();
  });
  boost::asio::signal_set hangup(ioc_, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        reload_asked = true;
        watch_cv.notify_all();
        hangup.async_wait(on_hup);
      };
  hangup.async_wait(on_hup);

  // Background work runs on its own threads and never delays a request: here mapping reloads
  // (compiling and testing) and TLS reloads (certificates, CAs, CRLs); in node_ the work shared
  // with the other nodes of the store (the daily eligibility job, the partner events recorded
  // but not applied yet); here also the change feed's pruning.
  node_->start(registry_.get(), events_.get());
  if (follower_) follower_->start();
  if (jobs_) jobs_->start();
  // With mappings_from: store the follower serves the published set; the folder is watched only
  // when it is what is served (development).
  const bool watch_mappings = mappings_ && !follower_;
  std::thread watcher([&] {
    std::string last = watch_mappings ? folder_fingerprint(config_.mappings_dir) : "";
    std::string last_tls = tls_fingerprint(config_);
    // The feed's first pruning one interval after start, not at once: a write that would wait on a
    // busy store while the node starts would hold the store's other calls behind it.
    auto next_prune = std::chrono::steady_clock::now() + config_.feed.prune_every;
    std::unique_lock lock(watch_mutex);
    while (!stopping) {
      watch_cv.wait_for(lock, std::chrono::seconds(2));
      if (stopping) break;
      if (feed_ && std::chrono::steady_clock::now() >= next_prune) {
        next_prune = std::chrono::steady_clock::now() + config_.feed.prune_every;
        lock.unlock();
        prune_feed();
        prune_disclosures();
        lock.lock();
      }
      const bool hup = reload_asked.exchange(false);
      const std::string now = watch_mappings ? folder_fingerprint(config_.mappings_dir) : "";
      if (watch_mappings && (hup || now != last)) {
        last = now;
        lock.unlock();
        reload_mappings(hup ? "SIGHUP" : "files changed");
        lock.lock();
      }
      // A renewed certificate or a fresh CRL takes effect for new connections without a
      // restart: a revoked client is refused from the next handshake on.
      const std::string now_tls = tls_fingerprint(config_);
      if (hup || now_tls != last_tls) {
        last_tls = now_tls;
        lock.unlock();
        reload_tls(hup ? "SIGHUP" : "files changed");
        lock.lock();
      }
    }
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < config_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  if (jobs_) jobs_->stop();
  for (auto& t : threads) t.join();
  stopping = true;
  watch_cv.notify_all();
  if (watcher.joinable()) watcher.join();
  node_->stop();
  if (follower_) follower_->stop();
  if (journal_) (void)journal_->flush();
  return 0;
}

}  // namespace hub::app
