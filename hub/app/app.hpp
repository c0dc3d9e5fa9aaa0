// The hub's process: configuration in; listeners, partner connection pools, the store, the
// exchange broker, the registry and the events inbox out, wired together (the registry asks the
// broker through BrokerFacts, the inbox applies events through RegistryEvents), and the
// background work that keeps them current.
#pragma once

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hub/app/node_work.hpp"
#include "hub/audit/checkpointer.hpp"
#include "hub/audit/journal.hpp"
#include "hub/audit/journal_proofs.hpp"
#include "hub/config/config.hpp"
#include "hub/events/inbox.hpp"
#include "hub/exchange/broker.hpp"
#include "hub/feed/feed.hpp"
#include "hub/http/client.hpp"
#include "hub/http/metrics.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/jobs/runner.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/partner/reader.hpp"
#include "hub/registry/clock.hpp"
#include "hub/registry/facts.hpp"
#include "hub/registry/registry.hpp"
#include "hub/store/store.hpp"
#include "hub/workbench/follower.hpp"
#include "hub/workbench/sample.hpp"
#include "hub/workbench/workbench.hpp"

namespace hub::app {

class App {
 public:
  explicit App(config::HubConfig config);
  ~App();

  // Opens the store, builds the TLS contexts and partner pools, binds every listener.
  Result<void> start();
  // Runs the I/O threads until SIGINT or SIGTERM. SIGHUP, or a change under the mappings folder,
  // reloads the mappings: the new set serves only if it compiles and passes its golden cases.
  int run();
  // Compiles and tests the mappings again, off the request path; keeps the old set on failure.
  void reload_mappings(const char* why);
  // Builds every listener's TLS context again from its files (certificate, key, client CAs,
  // CRLs) and swaps it in for new connections; a listener whose files fail keeps its context.
  void reload_tls(const char* why);

  boost::asio::io_context& io() { return ioc_; }
  http::Metrics& metrics() { return metrics_; }
  const config::HubConfig& config() const { return config_; }
  std::map<std::string, std::uint16_t> bound_ports() const { return ports_; }
  std::shared_ptr<http::ClientPool> partner(const std::string& name) const;
  // What each listener serves, as its router was built by start(): {listener: routes}. The
  // OpenAPI descriptions are checked against it (tests/integration/api).
  std::map<std::string, std::vector<http::RouteInfo>> routes() const;

 private:
  Result<void> build_partner_pools();
  Result<void> seed_agreements();
  // The served mappings (mappings.cpp): the folder's (hub.mappings_from: files) or the store's
  // published set, seeded from the folder into an empty store (store). Fails when they do not
  // compile or fail their golden cases.
  Result<void> load_mappings();
  // The workbench (mappings.cpp): its replay sample fed by the broker, its actions.
  void make_workbench();
  void register_routes();
  void record_certificate_expiry();
  // Removes the feed's changes older than feed.retention_ms (run by the background thread).
  void prune_feed();
  // Removes the disclosure index rows older than audit.retention_days (docs/audit.md).
  void prune_disclosures();

  config::HubConfig config_;
  boost::asio::io_context ioc_;
  http::Metrics metrics_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::unique_ptr<http::Router>> listener_routers_;
  std::vector<http::Principal> principals_;
  std::map<std::string, std::shared_ptr<http::ClientPool>> partners_;
  std::map<std::string, std::uint16_t> ports_;
  std::unique_ptr<mapping::Catalog> mappings_;
  std::unique_ptr<audit::Journal> journal_;
  std::unique_ptr<exchange::Broker> broker_;
  std::unique_ptr<registry::FactSource> facts_;
  // Its clock, shared partner quotas and once-across-the-nodes background work (node_work.hpp).
  std::unique_ptr<NodeWork> node_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<events::Applier> applier_;  // the inbox's, over the registry
  std::unique_ptr<events::Inbox> events_;
  // The partner API's reads under agreements (docs/partner-api.md).
  std::unique_ptr<agreements::Current> agreements_;
  std::unique_ptr<partner::Reader> partner_reader_;
  // The journal's checkpoints (signed in the background) and proofs (served).
  std::unique_ptr<audit::Checkpointer> checkpointer_;
  std::unique_ptr<audit::JournalProofs> journal_proofs_;
  std::unique_ptr<feed::Feed> feed_;
  // The mapping workbench (docs/workbench.md): a node following the store's published set, the
  // replay sample (memory only), the actions.
  std::unique_ptr<workbench::Follower> follower_;
  std::unique_ptr<workbench::AnswerSample> sample_;
  std::unique_ptr<workbench::Workbench> workbench_;
  // Last, so first to go: its calls under way finish while the registry and store still exist.
  std::unique_ptr<registry::StorePool> store_pool_;
  // The workbench's calls (they compile and test mappings): apart, so as never to hold up the
  // registry's store calls.
  std::unique_ptr<registry::StorePool> workbench_pool_;
  // Bulk prefill jobs (docs/jobs.md): last, so first to go, before the broker and the store.
  std::unique_ptr<jobs::Runner> jobs_;
};

}  // namespace hub::app
