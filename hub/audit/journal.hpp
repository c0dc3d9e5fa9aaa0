// The exchange journal: every partner exchange, appended to one hash chain in the store, with the
// identifier asked about kept only as a keyed hash and a masked form.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hub/audit/chain.hpp"
#include "hub/audit/digest.hpp"
#include "hub/audit/key.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

struct ExchangeRecord {
  // When the exchange happened; left at the epoch, the journal stamps the time of append().
  std::chrono::system_clock::time_point time{};
  std::string principal;
  std::string purpose;
  std::string correlation_id;
  std::string partner;
  std::string operation;
  // In clear here only: the journal keeps HMAC-SHA256(key, identifier) and a masked form.
  std::string identifier;
  std::string outcome;  // a short code: "ok", "not_found", "timeout", ...
  double latency_ms = 0;
  // sha256_hex(response body); sha256_hex("") for an empty body.
  std::string response_body_sha256;
};

struct JournalOptions {
  // How long the writer lets appends gather before it writes them in one transaction.
  std::chrono::milliseconds batch_window{2};
  std::size_t max_batch = 1000;
  // Beyond this many entries not yet written (the store is down or too slow), append() waits:
  // the journal never drops an entry, and never grows without bound.
  std::size_t max_queued = 100'000;
};

class Journal {
 public:
  Journal(store::Store& store, std::string hmac_key, JournalOptions options = {});
  // Writes what is still queued (flush), then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Thread-safe, and does not wait for the disk: entries are queued and written in batches, one
  // transaction a batch, by one writer thread.
  void append(ExchangeRecord record);
  // Waits until every entry appended before the call is durable in the store, or returns the
  // error that keeps the writer from writing (it keeps retrying).
  Result<void> flush();
  // flush(), then verify_journal() over the whole stored chain.
  Result<VerifyReport> verify();

  // The keyed hash the journal stores for an identifier: how an investigator with the key finds
  // the entries about one person or company.
  std::string identifier_hash(std::string_view identifier) const;

 private:
  void run_writer();
  store::JournalEntry to_entry(ExchangeRecord&& r) const;

  store::Store& store_;
  const std::string key_;
  const JournalOptions options_;

  std::mutex mutex_;
  std::condition_variable work_;   // the writer: entries queued, a flush asked, or stop
  std::condition_variable done_;   // flushers: a batch was written or failed
  std::condition_variable space_;  // appenders waiting for room in the queue
  std::deque<store::JournalEntry> queue_;
  std::uint64_t appended_ = 0;  // entries ever queued
  std::uint64_t written_ = 0;   // entries ever written; the queue is FIFO, so the first ones
  std::uint64_t failures_ = 0;  // failed batch writes, ever
  std::optional<Error> last_error_;
  int flushers_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

// `cnss-hub audit verify --config FILE` (argv[0] is "audit"): 0 when the journal verifies,
// 1 when it is broken, 2 when it cannot be checked (usage, configuration, store).
int run_cli(int argc, char** argv);
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace hub::audit
