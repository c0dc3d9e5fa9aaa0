#include "hub/audit/journal.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/locale/encoding_utf.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <utility>

#include "hub/audit/journal_leaf.hpp"
#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"

namespace hub::audit {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A store that is down is retried at this pace, at most, so that its log is not flooded.
constexpr std::chrono::milliseconds kRetryMin{50};
constexpr std::chrono::milliseconds kRetryMax{2000};
// At shutdown, a store that keeps failing cannot hold the process forever: each attempt is
// bounded by the store's own lock wait (5 s on either engine).
constexpr int kShutdownAttempts = 3;
// What a refused client is told to wait: a failing store may come back soon; a stopped journal
// needs an operator.
constexpr std::chrono::seconds kRetryFailing{2};
constexpr std::chrono::seconds kRetryStopped{30};
// Entries of a journal written before the tree existed are added to it this many a transaction.
constexpr std::size_t kTreeCatchUp = 10'000;
// Receipts asked for and never collected (a request that gave up) are dropped beyond this many.
constexpr std::size_t kMaxReceipts = 100'000;

std::int64_t to_micros(double ms) {
  if (!std::isfinite(ms) || ms <= 0) return 0;
  constexpr double kMax = 9.0e15;  // ~285 years: anything beyond is a caller's bug, not a latency
  return static_cast<std::int64_t>(std::llround(std::min(ms * 1000.0, kMax)));
}

// A batch of nothing would spin the writer; a queue of nothing would block every appender.
JournalOptions usable(JournalOptions o) {
  o.max_batch = std::max<std::size_t>(o.max_batch, 1);
  o.max_queued = std::max<std::size_t>(o.max_queued, 1);
  o.batch_window = std::max(o.batch_window, std::chrono::milliseconds(0));
  o.wait_limit = std::max(o.wait_limit, std::chrono::milliseconds(1));
  return o;
}

// Text every engine stores as it is: valid UTF-8 without NUL. A masked identifier can cut a
// multi-byte character in two, and a partner's event id is the partner's to choose; a row the
// database refuses would otherwise be retried, and refused, for ever.
std::string storable(std::string s) {
  namespace conv = boost::locale::conv;
  s = conv::utf_to_utf<char>(s.data(), s.data() + s.size(), conv::skip);
  std::replace(s.begin(), s.end(), '\0', '?');
  return s;
}

Error unavailable(std::string message, std::chrono::seconds retry_after) {
  auto e = make_error(
      Errc::journal_unavailable,
      std::move(message) + ": partner data is not served without its journal entry; retry later",
      "journal_unavailable");
  e.retry_after = retry_after;
  return e;
}

}  // namespace

struct Journal::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool done = false;  // released by the writer, with `error` when it stopped
  std::optional<Error> error;
  std::multimap<Ticket, std::shared_ptr<Waiter>>::iterator at;
};

std::string_view state_name(JournalState s) {
  switch (s) {
    case JournalState::ok:
      return "ok";
    case JournalState::spooling:
      return "spooling";
    case JournalState::failing:
      return "failing";
    case JournalState::stopped:
      return "stopped";
  }
  return "stopped";
}

Journal::Journal(store::Store& store, std::string hmac_key, JournalOptions options)
    : store_(store),
      hmac_(hmac_key),
      options_(usable(std::move(options))),
      spool_on_(options_.spool && !options_.spool_path.empty()),
      spool_file_(options_.spool_path) {
  requeue_spooled();
  writer_ = std::thread([this] { run_writer(); });
  if (spool_on_) spooler_ = std::thread([this] { run_spooler(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  space_.notify_all();
  spool_work_.notify_all();
  // The spooler first: the writer's last act is to spool what it could not write.
  if (spooler_.joinable()) spooler_.join();
  writer_.join();
  std::lock_guard lock(mutex_);
  waiters_.clear();
}

std::string Journal::identifier_hash(std::string_view identifier) const {
  return hmac_.hex(identifier);
}

store::JournalEntry Journal::to_entry(ExchangeRecord&& r) const {
  using namespace std::chrono;
  const auto at = r.time == system_clock::time_point{} ? system_clock::now() : r.time;
  store::JournalEntry e;
  e.time_ms = duration_cast<milliseconds>(at.time_since_epoch()).count();
  e.principal = std::move(r.principal);
  e.purpose = std::move(r.purpose);
  e.correlation_id = std::move(r.correlation_id);
  e.partner = std::move(r.partner);
  e.operation = std::move(r.operation);
  e.identifier_hmac = identifier_hash(r.identifier);
  e.identifier_masked = storable(mask_identifier(r.identifier));
  e.outcome = std::move(r.outcome);
  e.latency_us = to_micros(r.latency_ms);
  e.response_sha256 = std::move(r.response_body_sha256);
  return e;
}

Ticket Journal::append(ExchangeRecord record) {
  // Hashed on the caller's thread: the clear identifier never waits in the queue.
  return enqueue(to_entry(std::move(record)), false);
}

Ticket Journal::append_with_receipt(ExchangeRecord record) {
  return enqueue(to_entry(std::move(record)), true);
}

Ticket Journal::enqueue(store::JournalEntry entry, bool with_receipt) {
  std::unique_lock lock(mutex_);
  // A stopped journal writes nothing more: its queue is saved at shutdown, and waiting for room
  // there would hold the caller's thread for ever.
  space_.wait(lock, [&] { return queue_.size() < options_.max_queued || stopping_ || stopped_; });
  queue_.push_back(std::move(entry));
  if (queue_.size() == 1) queued_since_ = std::chrono::steady_clock::now();
  const Ticket ticket = ++appended_;
  if (with_receipt) {
    if (receipts_.size() >= kMaxReceipts) receipts_.erase(receipts_.begin());
    receipts_.emplace(ticket, std::nullopt);
  }
  // The writer only needs waking when it sleeps on an empty queue or a batch is full.
  if (queue_.size() == 1 || queue_.size() >= options_.max_batch) work_.notify_one();
  if (spool_wanted_locked()) spool_work_.notify_one();
  return ticket;
}

asio::awaitable<Result<Receipt>> Journal::receipt(Ticket ticket) {
  auto done = co_await durable(ticket);
  std::lock_guard lock(mutex_);
  auto it = receipts_.find(ticket);
  std::optional<Receipt> r = it == receipts_.end() ? std::nullopt : it->second;
  if (it != receipts_.end()) receipts_.erase(it);
  if (!done) co_return done.error();
  if (!r && written_ < ticket) {
    // Spooled, not yet in the store: its leaf index is not known yet.
    co_return unavailable(
        "the exchange journal keeps this entry in its spool until the store "
        "takes it, and its receipt comes from the store",
        kRetryFailing);
  }
  if (!r) {
    co_return make_error(Errc::internal,
                         "no receipt was kept for journal ticket " + std::to_string(ticket));
  }
  co_return *r;
}

void Journal::keep_receipts(const std::vector<store::JournalEntry>& batch) {
  // batch[i] has ticket written_ + 1 + i: the queue is written in the order of appends.
  const Ticket first = written_ + 1;
  for (auto it = receipts_.lower_bound(first);
       it != receipts_.end() && it->first < first + batch.size(); ++it) {
    const auto& e = batch[it->first - first];
    it->second = Receipt{static_cast<std::uint64_t>(e.seq - 1), journal_leaf_hash(e)};
  }
}

asio::awaitable<Result<void>> Journal::durable(Ticket ticket) {
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mutex_);
    if (durable_through_locked() >= ticket) co_return Result<void>();
    if (stopped_) co_return *refusal_locked();
    waiter->timer.expires_after(options_.wait_limit);
    waiter->at = waiters_.emplace(ticket, waiter);
  }
  // Ends when the writer cancels it (released) or at wait_limit (not durable in time).
  co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(mutex_);
  if (waiter->done) {
    co_return waiter->error ? Result<void>(*waiter->error) : Result<void>();
  }
  waiters_.erase(waiter->at);
  co_return unavailable("the exchange journal did not make this request's entries durable within " +
                            std::to_string(options_.wait_limit.count()) + " ms",
                        kRetryFailing);
}

void Journal::release_waiters(const std::optional<Error>& error, bool all) {
  const auto end = all ? waiters_.end() : waiters_.upper_bound(durable_through_locked());
  for (auto it = waiters_.begin(); it != end;) {
    auto w = it->second;
    w->done = true;
    w->error = error;
    // The timer belongs to the waiter's executor: cancelled there, never from this thread.
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    it = waiters_.erase(it);
  }
}

JournalStatus Journal::status_locked() const {
  JournalStatus s;
  s.pending = appended_ - written_;
  if (stopped_) {
    s.state = JournalState::stopped;
    s.error = stopped_->message;
  } else if (last_error_) {
    s.state = JournalState::failing;
    s.error = last_error_->message;
  } else if (writing_since_ &&
             std::chrono::steady_clock::now() - *writing_since_ >
                 (spool_on_ && !spool_error_ ? options_.spool_after : options_.wait_limit)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - *writing_since_);
    s.state = JournalState::failing;
    s.error = "a journal write has been waiting for " + std::to_string(ms.count()) +
              " ms (the store is locked or slow)";
  }
  if (s.state == JournalState::failing && spool_on_) {
    if (spool_error_) {
      s.error += "; and the local spool cannot be written: " + spool_error_->message;
    } else {
      s.state = JournalState::spooling;
      s.error += "; " + std::to_string(spooled_ > written_ ? spooled_ - written_ : 0) +
                 " entries kept in the local spool meanwhile";
    }
  }
  return s;
}

JournalStatus Journal::status() const {
  std::lock_guard lock(mutex_);
  return status_locked();
}

std::optional<Error> Journal::refusal_locked() const {
  const auto s = status_locked();
  switch (s.state) {
    case JournalState::ok:
    case JournalState::spooling:
      return std::nullopt;
    case JournalState::failing:
      return unavailable("the exchange journal cannot be written now", kRetryFailing);
    case JournalState::stopped:
      return unavailable("the exchange journal is stopped until an operator repairs it",
                         kRetryStopped);
  }
  return std::nullopt;
}

std::optional<Error> Journal::refusal() const {
  std::lock_guard lock(mutex_);
  return refusal_locked();
}

Result<void> Journal::flush() {
  std::unique_lock lock(mutex_);
  const auto target = appended_;
  ++flushers_;
  work_.notify_one();
  for (auto seen = failures_;;) {
    done_.wait(lock, [&] { return written_ >= target || failures_ != seen || stopped_; });
    // A failure can be followed by a success before this thread wakes: only a failure still
    // current is reported.
    if (written_ >= target || stopped_ || last_error_) break;
    seen = failures_;
  }
  --flushers_;
  if (written_ >= target) return {};
  return stopped_ ? *stopped_ : *last_error_;
}

Result<VerifyReport> Journal::verify() {
  if (auto r = flush(); !r) return r.error();
  return verify_journal(store_);
}

void Journal::stop_writer(const Error& why) {
  stopped_ = why;
  last_error_ = why;
  log::error("audit journal stopped: the stored chain does not agree with its head",
             {{"error", why.message}, {"pending", std::to_string(queue_.size())}});
  if (options_.on_write_failure) options_.on_write_failure("head_mismatch");
  release_waiters(refusal_locked(), true);
  space_.notify_all();
  done_.notify_all();
}

void Journal::record_failure(const Error& why) {
  ++failures_;
  if (why.detail == store::kJournalHeadMismatch) {
    stop_writer(why);
    return;
  }
  last_error_ = why;
  log::error("audit journal write failed",
             {{"error", why.message}, {"pending", std::to_string(queue_.size())}});
  if (options_.on_write_failure) options_.on_write_failure("store_error");
  done_.notify_all();
  if (spool_wanted_locked()) spool_work_.notify_one();
}

bool Journal::check_end(std::unique_lock<std::mutex>& lock) {
  // Timed like a write: a store that hangs here is spooled past spool_after too.
  writing_since_ = std::chrono::steady_clock::now();
  if (spool_on_) spool_work_.notify_one();
  lock.unlock();
  auto checked = store_.check_journal_end();
  lock.lock();
  writing_since_.reset();
  hung_ = false;
  if (checked) {
    last_error_.reset();
    return true;
  }
  record_failure(checked.error());
  return false;
}

bool Journal::spool_wanted_locked() const {
  return spool_on_ && !stopped_ && (last_error_ || hung_) && durable_through_locked() < appended_;
}

const store::JournalEntry& Journal::entry_at_locked(Ticket t) const {
  const Ticket after_flight = written_ + in_flight_.size();
  return t <= after_flight ? in_flight_[t - written_ - 1] : queue_[t - after_flight - 1];
}

bool Journal::spool_queued(std::unique_lock<std::mutex>& lock) {
  const Ticket from = durable_through_locked() + 1;
  const Ticket upto = appended_;
  std::vector<const store::JournalEntry*> entries;
  entries.reserve(upto - from + 1);
  for (Ticket t = from; t <= upto; ++t) entries.push_back(&entry_at_locked(t));
  const std::string chunk = spool_chunk(from, entries);
  spooling_ = true;
  lock.unlock();
  Result<void> appended;
  {
    std::lock_guard file(spool_file_mutex_);
    appended = spool_file_.append(chunk);
  }
  lock.lock();
  spooling_ = false;
  if (!appended) {
    if (!spool_error_) {
      log::error("audit journal spool cannot be written: requests wait for the store",
                 {{"error", appended.error().message}});
    }
    spool_error_ = appended.error();
    return false;
  }
  if (spool_error_ || spooled_ <= written_) {
    log::warn("audit journal: the store is failing, entries are kept in the local spool",
              {{"file", options_.spool_path}});
  }
  spool_error_.reset();
  spooled_ = std::max(spooled_, upto);
  spool_active_ = true;
  release_waiters(std::nullopt, false);
  return true;
}

void Journal::run_spooler() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!hung_ && writing_since_ &&
        std::chrono::steady_clock::now() - *writing_since_ >= options_.spool_after) {
      hung_ = true;
    }
    if (spool_wanted_locked()) {
      if (!spool_queued(lock)) spool_work_.wait_for(lock, kRetryMax, [&] { return stopping_; });
      continue;
    }
    if (writing_since_ && !hung_) {
      spool_work_.wait_until(lock, *writing_since_ + options_.spool_after);
    } else {
      spool_work_.wait(lock);
    }
  }
}

// After a batch is written while the spool holds entries, or while the spooler appends some (they
// may be the ones just written: the write hung, then succeeded): the file goes once everything in
// it is in the store; until then a marker says how far the store has come.
void Journal::spool_after_write(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  {
    std::lock_guard file(spool_file_mutex_);
    std::lock_guard again(mutex_);
    // Neither: the spooler's append failed, and left nothing in the file.
    if (!spool_active_ && !spooling_) return;
    if (written_ >= spooled_ && !spooling_) {
      spool_file_.remove();
      spool_active_ = false;
      log::info("audit journal: every spooled entry is in the store; the spool is removed",
                {{"written", std::to_string(written_)}});
    } else {
      spool_file_.mark_written(written_);
    }
  }
  lock.lock();
}

bool Journal::catch_up_tree(std::unique_lock<std::mutex>& lock) {
  if (!options_.merkle_tree) return true;
  writing_since_ = std::chrono::steady_clock::now();
  if (spool_on_) spool_work_.notify_one();
  lock.unlock();
  Result<std::int64_t> size = -1;
  for (std::int64_t before = -2; size && *size != before;) {
    before = *size;
    size = store_.extend_tree(kTreeCatchUp, tree_.builder());
    if (size) tree_.committed();
  }
  lock.lock();
  writing_since_.reset();
  hung_ = false;
  if (size) return true;
  record_failure(size.error());
  return false;
}

bool Journal::write_batch(std::unique_lock<std::mutex>& lock) {
  static const store::JournalSealer chain_only = [](const store::JournalEntry& e) {
    return entry_hash(e);
  };
  const store::JournalSealer& seal = options_.merkle_tree ? tree_.sealer() : chain_only;
  const auto n = std::min(queue_.size(), options_.max_batch);
  in_flight_.assign(std::make_move_iterator(queue_.begin()),
                    std::make_move_iterator(queue_.begin() + n));
  queue_.erase(queue_.begin(), queue_.begin() + n);
  space_.notify_all();
  writing_since_ = std::chrono::steady_clock::now();
  if (spool_on_) spool_work_.notify_one();  // it times a write that hangs
  lock.unlock();
  static const store::JournalTreeBuilder no_tree;
  auto written =
      store_.append_journal(in_flight_, seal, options_.merkle_tree ? tree_.builder() : no_tree);
  if (written) tree_.committed();
  lock.lock();
  writing_since_.reset();
  hung_ = false;
  if (!written) {
    // Nothing of the batch was stored: it goes back to the front, in order.
    queue_.insert(queue_.begin(), std::make_move_iterator(in_flight_.begin()),
                  std::make_move_iterator(in_flight_.end()));
    in_flight_.clear();
    record_failure(written.error());
    return false;
  }
  if (!receipts_.empty()) keep_receipts(in_flight_);
  in_flight_.clear();
  written_ += n;
  last_error_.reset();
  spool_error_.reset();  // the next outage tries the spool afresh
  release_waiters(std::nullopt, false);
  if (spool_active_ || spooling_) spool_after_write(lock);
  done_.notify_all();
  return true;
}

void Journal::run_writer() {
  int attempts_left = kShutdownAttempts;
  int consecutive_failures = 0;
  bool checked = false;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopped_) {
      work_.wait(lock, [&] { return stopping_; });
      break;
    }
    bool ok = true;
    if (!checked) {
      // Before the first write: a chain broken while the hub was down is reported at once, and
      // a tree left behind (a journal older than the tree) is caught up.
      ok = checked = check_end(lock) && catch_up_tree(lock);
    } else {
      work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything written
      // Let a batch gather for batch_window from its first entry, unless a flush() waits for it
      // or it is full: what queued while the last batch was being written goes at once.
      // Requests waiting in durable() wait the window too: up to 2 ms more latency for fewer,
      // larger transactions (docs/performance.md).
      work_.wait_until(lock, queued_since_ + options_.batch_window, [&] {
        return stopping_ || flushers_ > 0 || queue_.size() >= options_.max_batch;
      });
      ok = write_batch(lock);
    }
    if (ok) {
      attempts_left = kShutdownAttempts;
      consecutive_failures = 0;
      continue;
    }
    if (stopped_) continue;
    if (stopping_ && --attempts_left <= 0) break;
    ++consecutive_failures;
    const auto backoff = std::min(kRetryMax, kRetryMin * (1 << std::min(consecutive_failures, 6)));
    work_.wait_for(lock, backoff, [&] { return stopping_; });
  }
  spool_at_shutdown();
}

// The writer's last act, with mutex_ held and the spooler stopped: what the store did not take
// and the spool does not hold yet goes to the spool.
void Journal::spool_at_shutdown() {
  if (queue_.empty()) {
    // A spool whose every entry the store took (the spooler finished after the last write, which
    // marked it): nothing for the next start.
    if (spool_active_ && written_ >= spooled_) spool_file_.remove();
    return;
  }
  const auto count = std::to_string(queue_.size());
  const Ticket from = durable_through_locked() + 1;
  std::vector<const store::JournalEntry*> entries;
  for (Ticket t = from; t <= appended_; ++t) entries.push_back(&entry_at_locked(t));
  if (options_.spool_path.empty()) {
    log::error("audit journal entries lost at shutdown", {{"count", count}});
  } else if (auto saved =
                 entries.empty() ? Result<void>() : spool_file_.append(spool_chunk(from, entries));
             !saved) {
    log::error("audit journal entries lost at shutdown",
               {{"count", count}, {"error", saved.error().message}});
  } else {
    log::error(
        "audit journal entries not written at shutdown: spooled, to be appended first at "
        "the next start",
        {{"count", count}, {"file", options_.spool_path}});
  }
  queue_.clear();
}

void Journal::requeue_spooled() {
  const auto& path = options_.spool_path;
  if (path.empty()) return;
  auto loaded = load_spool(path);
  if (!loaded) {
    // Kept aside for an operator, never overwritten by this run's own shutdown.
    const auto aside = path + ".unreadable-" + std::to_string(::time(nullptr));
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    log::error("audit journal: the spool left by the last run cannot be read",
               {{"error", loaded.error().message}, {"kept_as", aside}});
    return;
  }
  if (loaded->empty()) {
    spool_file_.remove();  // only markers, or nothing
    return;
  }
  // Renumbered as this run's first appends: the file now says so.
  if (auto r = replace_spool(path, *loaded); !r) {
    // The old file keeps its old numbering: set aside, it can neither be stored again at the
    // next start nor hide this run's entries behind its markers. Its entries are stored by this
    // run (or, if it dies first, found there by an operator).
    const auto aside = path + ".unrewritable-" + std::to_string(::time(nullptr));
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    log::error(
        "audit journal: the spool cannot be rewritten; set aside, its entries are appended "
        "first",
        {{"error", r.error().message}, {"kept_as", aside}});
  } else {
    spooled_ = loaded->size();
    spool_active_ = true;
  }
  for (auto& e : *loaded) queue_.push_back(std::move(e));
  appended_ = queue_.size();
  log::info("audit journal: appending first the entries the last run left in its spool",
            {{"count", std::to_string(queue_.size())}});
}

}  // namespace hub::audit
