#include "hub/audit/chain.hpp"

#include <optional>
#include <string_view>

#include "hub/audit/digest.hpp"

namespace hub::audit {
namespace {

// Bumped if the serialisation ever changes; a verifier then knows which rule an entry follows.
constexpr std::string_view kVersionTag = "cnss-journal-v1";

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

}  // namespace

std::string entry_hash(const store::JournalEntry& e) {
  std::string bytes;
  bytes.reserve(512);
  put(bytes, e.prev_hash);
  put(bytes, kVersionTag);
  put(bytes, std::to_string(e.seq));
  put(bytes, std::to_string(e.time_ms));
  put(bytes, e.principal);
  put(bytes, e.purpose);
  put(bytes, e.correlation_id);
  put(bytes, e.partner);
  put(bytes, e.operation);
  put(bytes, e.identifier_hmac);
  put(bytes, e.identifier_masked);
  put(bytes, e.outcome);
  put(bytes, std::to_string(e.latency_us));
  put(bytes, e.response_sha256);
  return sha256_hex(bytes);
}

Result<VerifyReport> verify_journal(store::Store& store) {
  // Entries up to this head were committed before the scan starts, so each of them must be
  // found; entries appended while the scan runs are checked too, as far as the scan sees them.
  auto head = store.journal_head();
  if (!head) return head.error();
  const std::int64_t committed = head->seq;
  VerifyReport report;
  std::optional<Error> unreadable;
  std::string prev(store::kGenesisHash);
  auto fail = [&](std::int64_t seq, std::string problem) {
    report.ok = false;
    report.broken_at = seq;
    report.problem = std::move(problem);
    return false;
  };
  auto scanned = store.scan_journal(1, [&](const store::JournalEntry& e) {
    // The writer moves the head in the transaction that stores the entries, so an entry seen
    // past the head read at the start must be within the head read now, or nobody moved it.
    if (e.seq > head->seq) {
      auto now = store.journal_head();
      if (!now) {
        unreadable = now.error();
        return false;
      }
      head = *now;
      if (e.seq > head->seq) {
        return fail(e.seq, "it is stored past the chain head (entry " + std::to_string(head->seq) +
                               "): the hub's journal writer did not write it");
      }
    }
    const std::int64_t expected = report.entries + 1;
    if (e.seq != expected) {
      return fail(expected,
                  "the entry is missing (the next stored entry is " + std::to_string(e.seq) + ")");
    }
    if (e.prev_hash != prev) {
      return fail(e.seq, expected == 1 ? "its prev_hash is not the genesis value (64 zeros)"
                                       : "its prev_hash does not match the hash of entry " +
                                             std::to_string(e.seq - 1));
    }
    if (entry_hash(e) != e.entry_hash) {
      return fail(e.seq, "its stored hash does not match its contents (a field was changed)");
    }
    if (e.seq == head->seq && e.entry_hash != head->hash) {
      return fail(e.seq, "its hash does not match the chain head recorded for it");
    }
    prev = e.entry_hash;
    report.entries = e.seq;
    return true;
  });
  if (!scanned) return scanned.error();
  if (unreadable) return *unreadable;
  if (report.ok && report.entries < committed) {
    fail(report.entries + 1, "the entry is missing (entries " + std::to_string(report.entries + 1) +
                                 " to " + std::to_string(committed) +
                                 " are recorded by the chain head but not stored)");
  }
  return report;
}

}  // namespace hub::audit
