#include "hub/jobs/runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/jobs/disclosure.hpp"
#include "hub/jobs/outcome.hpp"

namespace hub::jobs {
namespace asio = boost::asio;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Jobs a node looks at in one poll, oldest first.
constexpr std::size_t kJobsAPoll = 16;
// The least a job waits before it asks again items that no partner could answer (429, 503).
constexpr std::chrono::seconds kRetryFloor{1};

bool final_state(const std::string& s) {
  return s == "done" || s == "cancelled" || s == "failed";
}

std::int64_t line_of(const std::string& progress) {
  std::int64_t v = 0;
  std::from_chars(progress.data(), progress.data() + progress.size(), v);
  return v;
}

}  // namespace

// One batch of claimed items, shared by the coroutines that ask them (all on the runner's
// strand).
struct Runner::Batch {
  std::vector<store::PrefillJobItem> items;
  std::vector<std::optional<store::PrefillJobItem>> outcomes;
  std::vector<std::string> correlation_ids;  // each item's, once asked
  exchange::PrefillRequest request;  // the recipe, purpose and provenance form of every item
  std::string param;                 // cnie | ice
  std::string owner;
  std::size_t next = 0;
  std::size_t workers = 0;
  std::optional<asio::steady_timer> done;
  std::chrono::seconds retry_after{0};
};

Runner::Runner(const config::HubConfig& config, store::Store& store, exchange::Broker& broker,
               const audit::Journal* journal, asio::io_context& ioc)
    : config_(config),
      settings_(config.jobs),
      store_(store),
      broker_(broker),
      journal_(journal),
      strand_(asio::make_strand(ioc)),
      timer_(strand_) {}

Runner::~Runner() {
  stop();
}

void Runner::start() {
  asio::co_spawn(strand_, loop(), asio::detached);
}

void Runner::stop() {
  stopping_ = true;
  wake();
}

void Runner::wake() {
  asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<void> Runner::loop() {
  while (!stopping_) {
    auto ids = co_await in_store<Result<std::vector<std::string>>>(
        [this] { return store_.runnable_prefill_jobs(kJobsAPoll); });
    if (!ids) log::error("bulk jobs not listed", {{"error", ids.error().message}});
    std::vector<std::string> runnable;
    if (ids) runnable = std::move(*ids);
    for (const auto& id : runnable) {
      if (stopping_) break;
      auto lease = co_await in_store<Result<std::optional<cluster::Lease>>>([this, &id] {
        return cluster::Lease::take(store_, "job:prefill/" + id, cluster::node_id(),
                                    settings_.lease_ttl);
      });
      if (lease && *lease) co_await run_job(id, std::move(**lease));
    }
    if (stopping_) break;
    timer_.expires_after(settings_.poll);
    co_await timer_.async_wait(use_tuple);
  }
}

asio::awaitable<void> Runner::run_job(std::string id, cluster::Lease lease) {
  auto job = co_await in_store<Result<std::optional<store::PrefillJob>>>(
      [this, &id] { return store_.read_prefill_job(id); });
  if (!job || !*job || final_state((*job)->state)) {
    (void)co_await in_store<Result<void>>([&lease] { return lease.forget(); });
    co_return;
  }
  (void)co_await in_store<Result<bool>>(
      [this, &id] { return store_.set_prefill_job_state(id, "running"); });
  exchange::PrefillRequest request;
  const bool person = (*job)->kind == "person";
  request.recipe = person ? "person" : "employer_by_ice";
  request.purpose = (*job)->purpose;
  request.provenance = exchange::ProvenanceForm::compact;
  const std::size_t batch_items = batch_size(partner_rate(request.recipe));
  std::int64_t after = line_of(lease.progress());
  std::int64_t asked_again = 0;
  log::info("bulk job running", {{"job", id},
                                 {"after_line", std::to_string(after)},
                                 {"fence", std::to_string(lease.fence())}});
  while (!stopping_) {
    auto claimed = co_await in_store<Result<std::vector<store::PrefillJobItem>>>(
        [this, &id, after, batch_items] {
          return store_.claim_prefill_items(id, after, batch_items);
        });
    if (!claimed) {
      log::error("bulk job stopped", {{"job", id}, {"error", claimed.error().message}});
      break;
    }
    if (claimed->empty()) {
      (void)co_await in_store<Result<bool>>(
          [this, &id] { return store_.set_prefill_job_state(id, "done"); });
      (void)co_await in_store<Result<void>>([&lease] { return lease.forget(); });
      log::info("bulk job done", {{"job", id}, {"asked_again", std::to_string(asked_again)}});
      co_return;
    }
    auto batch = std::make_shared<Batch>();
    batch->items = std::move(*claimed);
    for (const auto& item : batch->items) asked_again += item.state == "asking" ? 1 : 0;
    batch->request = request;
    batch->param = person ? "cnie" : "ice";
    batch->owner = (*job)->owner;
    co_await ask_all(batch);

    std::vector<store::PrefillJobItem> answered;
    std::vector<store::Disclosure> disclosed;
    std::optional<std::int64_t> first_unanswered;
    const JobOfItem of{id, (*job)->owner, (*job)->purpose};
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    for (std::size_t i = 0; i < batch->items.size(); ++i) {
      if (batch->outcomes[i]) {
        if (journal_ != nullptr) {
          disclosed.push_back(
              disclosure_of(of, *batch->outcomes[i], batch->correlation_ids[i], *journal_, now_ms));
        }
        answered.push_back(std::move(*batch->outcomes[i]));
      } else if (!first_unanswered) {
        first_unanswered = batch->items[i].line;
      }
    }
    if (!answered.empty()) {
      auto recorded = co_await in_store<Result<void>>([this, &id, &answered, &disclosed] {
        return store_.record_prefill_results(id, answered, disclosed);
      });
      if (!recorded) {
        log::error("bulk job stopped", {{"job", id}, {"error", recorded.error().message}});
        break;
      }
    }
    after = first_unanswered ? *first_unanswered - 1 : batch->items.back().line;
    auto renewed = co_await in_store<Result<void>>(
        [&lease, after] { return lease.checkpoint(std::to_string(after)); });
    if (!renewed) {
      log::warn("bulk job lease lost", {{"job", id}, {"error", renewed.error().message}});
      co_return;
    }
    auto now = co_await in_store<Result<std::optional<store::PrefillJob>>>(
        [this, &id] { return store_.read_prefill_job(id); });
    if (now && *now && final_state((*now)->state)) {
      (void)co_await in_store<Result<void>>([&lease] { return lease.forget(); });
      log::info("bulk job stopped", {{"job", id}, {"state", (*now)->state}});
      co_return;
    }
    if (first_unanswered) {
      asio::steady_timer wait(strand_);
      wait.expires_after(std::max(batch->retry_after, kRetryFloor));
      co_await wait.async_wait(use_tuple);
    }
  }
  (void)co_await in_store<Result<void>>(
      [&lease, after] { return lease.release(std::to_string(after)); });
}

std::size_t Runner::batch_size(double per_second) const {
  if (per_second <= 0) return settings_.batch;
  const double half_lease = std::chrono::duration<double>(settings_.lease_ttl).count() / 2;
  return std::clamp<std::size_t>(static_cast<std::size_t>(per_second * half_lease), 1,
                                 settings_.batch);
}

double Runner::partner_rate(const std::string& recipe) {
  if (auto it = rates_.find(recipe); it != rates_.end()) return it->second;
  double lowest = 0;
  const auto r = config_.exchange.recipes.find(recipe);
  for (const auto& step :
       r == config_.exchange.recipes.end() ? std::vector<config::RecipeStep>{} : r->second.steps) {
    if (!step.only_for_categories.empty()) continue;  // a job asks for no category
    for (const auto& p : config_.partners) {
      const double rate = p.rate_limit.per_second;
      if (p.name == step.partner && rate > 0 && (lowest == 0 || rate < lowest)) lowest = rate;
    }
  }
  rates_[recipe] = lowest;
  return lowest;
}

asio::awaitable<void> Runner::ask_all(std::shared_ptr<Batch> batch) {
  batch->outcomes.resize(batch->items.size());
  batch->correlation_ids.resize(batch->items.size());
  batch->workers = std::min(settings_.concurrency, batch->items.size());
  batch->done.emplace(strand_, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < batch->workers; ++i) {
    asio::co_spawn(strand_, ask_some(batch), asio::detached);
  }
  if (batch->workers > 0) co_await batch->done->async_wait(use_tuple);
}

asio::awaitable<void> Runner::ask_some(std::shared_ptr<Batch> batch) {
  while (batch->next < batch->items.size()) {
    const std::size_t i = batch->next++;
    const auto& item = batch->items[i];
    exchange::PrefillRequest request = batch->request;
    request.params = {{batch->param, item.identifier}};
    exchange::Caller caller;
    caller.principal = batch->owner;
    caller.priority = http::Priority::bulk;
    caller.correlation_id = new_uuid();
    batch->correlation_ids[i] = caller.correlation_id;
    exchange::PrefillResult r = co_await broker_.prefill(std::move(request), caller);
    batch->outcomes[i] = outcome_of(item, r);
    if (!batch->outcomes[i] && r.retry_after > batch->retry_after) {
      batch->retry_after = r.retry_after;
    }
  }
  if (--batch->workers == 0) batch->done->cancel();
}

}  // namespace hub::jobs
