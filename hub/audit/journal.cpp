#include "hub/audit/journal.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"

namespace hub::audit {
namespace {

// A store that is down is retried at this pace, at most, so that its log is not flooded.
constexpr std::chrono::milliseconds kRetryMin{50};
constexpr std::chrono::milliseconds kRetryMax{2000};
// At shutdown, a store that keeps failing cannot hold the process forever.
constexpr int kShutdownAttempts = 3;

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
  return o;
}

}  // namespace

Journal::Journal(store::Store& store, std::string hmac_key, JournalOptions options)
    : store_(store), key_(std::move(hmac_key)), options_(usable(options)) {
  writer_ = std::thread([this] { run_writer(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  space_.notify_all();
  writer_.join();
}

std::string Journal::identifier_hash(std::string_view identifier) const {
  return hmac_sha256_hex(key_, identifier);
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
  e.identifier_masked = mask_identifier(r.identifier);
  e.outcome = std::move(r.outcome);
  e.latency_us = to_micros(r.latency_ms);
  e.response_sha256 = std::move(r.response_body_sha256);
  return e;
}

void Journal::append(ExchangeRecord record) {
  // Hashed on the caller's thread: the clear identifier never waits in the queue.
  auto entry = to_entry(std::move(record));
  std::unique_lock lock(mutex_);
  space_.wait(lock, [&] { return queue_.size() < options_.max_queued || stopping_; });
  queue_.push_back(std::move(entry));
  ++appended_;
  // The writer only needs waking when it sleeps on an empty queue or a batch is full.
  if (queue_.size() == 1 || queue_.size() >= options_.max_batch) work_.notify_one();
}

Result<void> Journal::flush() {
  std::unique_lock lock(mutex_);
  const auto target = appended_;
  ++flushers_;
  work_.notify_one();
  for (auto seen = failures_;;) {
    done_.wait(lock, [&] { return written_ >= target || failures_ != seen; });
    // A failure can be followed by a success before this thread wakes: only a failure still
    // current is reported.
    if (written_ >= target || last_error_) break;
    seen = failures_;
  }
  --flushers_;
  if (written_ >= target) return {};
  return *last_error_;
}

Result<VerifyReport> Journal::verify() {
  if (auto r = flush(); !r) return r.error();
  return verify_journal(store_);
}

void Journal::run_writer() {
  const auto seal = [](const store::JournalEntry& e) { return entry_hash(e); };
  int attempts_left = kShutdownAttempts;
  int consecutive_failures = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything written
    // Let a batch gather, unless someone waits for it already.
    work_.wait_for(lock, options_.batch_window, [&] {
      return stopping_ || flushers_ > 0 || queue_.size() >= options_.max_batch;
    });
    const auto n = std::min(queue_.size(), options_.max_batch);
    std::vector<store::JournalEntry> batch(std::make_move_iterator(queue_.begin()),
                                           std::make_move_iterator(queue_.begin() + n));
    queue_.erase(queue_.begin(), queue_.begin() + n);
    space_.notify_all();
    lock.unlock();
    auto written = store_.append_journal(batch, seal);
    lock.lock();
    if (written) {
      written_ += n;
      last_error_.reset();
      attempts_left = kShutdownAttempts;
      consecutive_failures = 0;
      done_.notify_all();
      continue;
    }
    // Nothing of the batch was stored: it goes back to the front, in order, and is retried.
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    ++failures_;
    ++consecutive_failures;
    last_error_ = written.error();
    done_.notify_all();
    log::error("audit journal write failed",
               {{"error", written.error().message}, {"pending", std::to_string(queue_.size())}});
    if (stopping_ && --attempts_left <= 0) {
      log::error("audit journal entries lost at shutdown",
                 {{"count", std::to_string(queue_.size())}});
      queue_.clear();
      return;
    }
    const auto backoff = std::min(kRetryMax, kRetryMin * (1 << std::min(consecutive_failures, 6)));
    work_.wait_for(lock, backoff, [&] { return stopping_; });
  }
}

}  // namespace hub::audit
