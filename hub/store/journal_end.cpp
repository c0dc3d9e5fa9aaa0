// Whether the journal's head row and its last stored entry agree: the check every append makes
// under the chain lock, and a writer makes when it starts.
#include <algorithm>
#include <string>

#include "hub/store/store.hpp"

namespace hub::store {
namespace {

Error mismatch(std::string what) {
  return make_error(Errc::conflict,
                    what +
                        "; the journal writer stops until an operator repairs the journal "
                        "(cnss-hub audit verify, docs/audit.md)",
                    std::string(kJournalHeadMismatch));
}

std::string entry(std::int64_t seq) {
  return "entry " + std::to_string(seq);
}

}  // namespace

Result<void> head_agrees(const JournalHead& head, const std::vector<JournalHead>& from_head) {
  std::size_t at = 0;
  if (head.seq > 0) {
    if (from_head.empty() || from_head[0].seq != head.seq) {
      return mismatch("the journal head names " + entry(head.seq) + ", which is not stored");
    }
    if (from_head[0].hash != head.hash) {
      return mismatch(entry(head.seq) + " does not have the hash the journal head records for it");
    }
    at = 1;
  }
  if (from_head.size() > at) {
    return mismatch(entry(from_head[at].seq) + " is stored past the journal head (" +
                    (head.seq > 0 ? entry(head.seq) : std::string("an empty journal")) +
                    "): it was not written by the hub's journal writer");
  }
  return {};
}

Result<void> Store::check_journal_end() {
  auto head = journal_head();
  if (!head) return head.error();
  std::vector<JournalHead> from_head;
  auto scanned = scan_journal(std::max<std::int64_t>(head->seq, 1), [&](const JournalEntry& e) {
    from_head.push_back({e.seq, e.entry_hash});
    return from_head.size() < 2;
  });
  if (!scanned) return scanned.error();
  return head_agrees(*head, from_head);
}

Result<std::vector<JournalEntry>> Store::journal_entries(std::int64_t first_seq,
                                                         std::int64_t last_seq) {
  std::vector<JournalEntry> out;
  auto scanned = scan_journal(first_seq, [&](const JournalEntry& e) {
    if (e.seq > last_seq) return false;
    out.push_back(e);
    return true;
  });
  if (!scanned) return scanned.error();
  return out;
}

}  // namespace hub::store
