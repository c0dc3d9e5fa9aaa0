#include "hub/audit/chain.hpp"

#include <optional>
#include <string_view>

#include "hub/audit/digest.hpp"
#include "hub/audit/netstring.hpp"

namespace hub::audit {
namespace {

// Bumped if the serialisation ever changes; a verifier then knows which rule an entry follows.
constexpr std::string_view kVersionTag = "cnss-journal-v1";

}  // namespace

std::string entry_bytes(const store::JournalEntry& e) {
  std::string bytes;
  bytes.reserve(512);
  append_netstring(bytes, e.prev_hash);
  append_netstring(bytes, kVersionTag);
  append_netstring(bytes, std::to_string(e.seq));
  append_netstring(bytes, std::to_string(e.time_ms));
  append_netstring(bytes, e.principal);
  append_netstring(bytes, e.purpose);
  append_netstring(bytes, e.correlation_id);
  append_netstring(bytes, e.partner);
  append_netstring(bytes, e.operation);
  append_netstring(bytes, e.identifier_hmac);
  append_netstring(bytes, e.identifier_masked);
  append_netstring(bytes, e.outcome);
  append_netstring(bytes, std::to_string(e.latency_us));
  append_netstring(bytes, e.response_sha256);
  return bytes;
}

std::string entry_hash(const store::JournalEntry& e) {
  return sha256_hex(entry_bytes(e));
}

std::optional<ChainBreak> check_link(const store::JournalEntry& e, std::int64_t expected,
                                     std::string_view prev) {
  if (e.seq != expected) {
    return ChainBreak{
        expected, "the entry is missing (the next stored entry is " + std::to_string(e.seq) + ")"};
  }
  if (e.prev_hash != prev) {
    return ChainBreak{e.seq, expected == 1 ? "its prev_hash is not the genesis value (64 zeros)"
                                           : "its prev_hash does not match the hash of entry " +
                                                 std::to_string(e.seq - 1)};
  }
  // A pruned entry's contents are erased (retention): its hash is taken as stored; the next
  // entry's prev_hash still links to it, and its kept leaf is what checkpoints commit to.
  if (e.pruned_ms == 0 && entry_hash(e) != e.entry_hash) {
    return ChainBreak{e.seq, "its stored hash does not match its contents (a field was changed)"};
  }
  return std::nullopt;
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
    if (auto broken = check_link(e, report.entries + 1, prev)) {
      return fail(broken->seq, std::move(broken->problem));
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
