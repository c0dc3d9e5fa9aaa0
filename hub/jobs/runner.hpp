// Runs the bulk prefill jobs in the background (docs/jobs.md): each job under a lease in the
// store (hub/cluster/lease.hpp), so that one node of a cluster runs it and another, or the
// restarted hub, resumes it once its holder has died. Items are claimed a batch at a time
// (marked in flight before any is asked), asked through the broker as an interactive prefill is
// (journaled, cached, within the partners' limits), `concurrency` at once, and their results
// recorded in one transaction per batch, with the disclosures of the people whose data they
// fetched. A job's calls are bulk calls (http::Priority::bulk): they take only the partners'
// tokens the interactive prefills leave idle, and never fill the answer cache. A resumed job asks
// no item whose result is stored; items in flight when the holder died (at most one batch) are
// asked again.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "hub/audit/journal.hpp"
#include "hub/cluster/lease.hpp"
#include "hub/config/config.hpp"
#include "hub/exchange/broker.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/store/store.hpp"

namespace hub::jobs {

class Runner {
 public:
  // `config`: its jobs settings, and the partners and recipes that size a job's batches.
  // `journal` keys the disclosures' identifier hashes (null: no disclosure is recorded).
  Runner(const config::HubConfig& config, store::Store& store, exchange::Broker& broker,
         const audit::Journal* journal, boost::asio::io_context& ioc);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Starts looking for jobs every settings.poll, on the I/O context.
  void start();
  // Stops after the batch under way (its results are recorded); the lease lapses.
  void stop();
  // Looks for jobs at once (a job was just submitted).
  void wake();

 private:
  struct Batch;
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> run_job(std::string id, cluster::Lease lease);
  // Asks the batch's items, `concurrency` at once; each gets its outcome (nullopt: ask again).
  boost::asio::awaitable<void> ask_all(std::shared_ptr<Batch> batch);
  boost::asio::awaitable<void> ask_some(std::shared_ptr<Batch> batch);
  // The lowest rate_limit.per_second among the partners a job with this recipe always asks (0
  // when none has a limit): the fastest a job can go when the agents leave every token idle.
  double partner_rate(const std::string& recipe);
  // Items a claim takes: jobs.batch, fewer when the partners' rate would make a batch outlast
  // half the lease (which is renewed once a batch).
  std::size_t batch_size(double per_second) const;
  template <class T>
  boost::asio::awaitable<T> in_store(std::function<T()> f) {
    return pool_.run<T>(std::move(f));
  }

  const config::HubConfig& config_;
  config::JobSettings settings_;
  std::map<std::string, double> rates_;  // partner_rate() by recipe
  store::Store& store_;
  exchange::Broker& broker_;
  const audit::Journal* journal_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopping_{false};
  registry::StorePool pool_{1};
};

}  // namespace hub::jobs
