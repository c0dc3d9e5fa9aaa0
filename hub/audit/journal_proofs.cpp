#include "hub/audit/journal_proofs.hpp"

#include "hub/audit/journal_tree.hpp"
#include "hub/audit/tree_proofs.hpp"

namespace hub::audit {

Result<store::StoredCheckpoint> JournalProofs::latest() {
  auto latest = store_.latest_checkpoint();
  if (!latest) return latest.error();
  if (!*latest) {
    auto e =
        make_error(Errc::not_found, "the journal has no signed checkpoint yet", "no_checkpoint");
    e.retry_after = std::chrono::duration_cast<std::chrono::seconds>(checkpoint_every_);
    return e;
  }
  return **latest;
}

Result<std::pair<std::uint64_t, std::optional<std::string>>> JournalProofs::signed_size(
    std::optional<std::uint64_t> asked) {
  auto latest = this->latest();
  if (!latest) return latest.error();
  const auto signed_size = static_cast<std::uint64_t>(latest->tree_size);
  const std::uint64_t size = asked.value_or(signed_size);
  if (size > signed_size) {
    auto e =
        make_error(Errc::not_found,
                   "tree size " + std::to_string(size) + " is beyond the latest checkpoint (" +
                       std::to_string(signed_size) + " entries); one is signed every " +
                       std::to_string(checkpoint_every_.count() / 1000) + " s while entries arrive",
                   "not_checkpointed");
    e.retry_after = std::chrono::duration_cast<std::chrono::seconds>(checkpoint_every_);
    return e;
  }
  if (size == signed_size) return std::pair{size, std::optional<std::string>(latest->note)};
  auto at = store_.checkpoint_at(static_cast<std::int64_t>(size));
  if (!at) return at.error();
  std::optional<std::string> note;
  if (*at) note = (*at)->note;
  return std::pair{size, std::move(note)};
}

Result<InclusionAnswer> JournalProofs::inclusion(std::uint64_t index,
                                                 std::optional<std::uint64_t> size) {
  auto s = signed_size(size);
  if (!s) return s.error();
  if (index >= s->first) {
    return make_error(Errc::invalid_input, "/index: " + std::to_string(index) +
                                               " is not a leaf of the tree of " +
                                               std::to_string(s->first) + " entries");
  }
  StoredNodes nodes(store_);
  auto path = inclusion_proof(nodes, index, s->first);
  if (!path) return path.error();
  const NodeId leaf_id{0, index};
  auto leaf = nodes.get({&leaf_id, 1});
  if (!leaf) return leaf.error();
  return InclusionAnswer{index, s->first, leaf->front(), std::move(*path), std::move(s->second)};
}

Result<ConsistencyAnswer> JournalProofs::consistency(std::uint64_t from,
                                                     std::optional<std::uint64_t> to) {
  auto s = signed_size(to);
  if (!s) return s.error();
  if (from > s->first) {
    return make_error(Errc::invalid_input, "/from: " + std::to_string(from) +
                                               " is larger than the tree size asked (" +
                                               std::to_string(s->first) + ")");
  }
  StoredNodes nodes(store_);
  auto path = consistency_proof(nodes, from, s->first);
  if (!path) return path.error();
  return ConsistencyAnswer{from, s->first, std::move(*path), std::move(s->second)};
}

}  // namespace hub::audit
