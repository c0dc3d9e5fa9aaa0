// What a store that keeps the journal's chain alone answers about its tree, checkpoints and
// retention (store.hpp): not supported.
#include "hub/store/store.hpp"

namespace hub::store {
namespace {

Error unsupported(const Store& s) {
  return make_error(Errc::internal,
                    "the " + s.engine() + " store keeps no Merkle tree nor checkpoints",
                    "store_error");
}

}  // namespace

Result<std::int64_t> Store::tree_size() {
  return unsupported(*this);
}
Result<std::vector<std::string>> Store::tree_nodes(const std::vector<TreeNodeId>&) {
  return unsupported(*this);
}
Result<std::int64_t> Store::extend_tree(std::size_t, const JournalTreeBuilder&) {
  return unsupported(*this);
}
Result<bool> Store::add_checkpoint(const StoredCheckpoint&) {
  return unsupported(*this);
}
Result<std::optional<StoredCheckpoint>> Store::latest_checkpoint() {
  return unsupported(*this);
}
Result<std::optional<StoredCheckpoint>> Store::checkpoint_at(std::int64_t) {
  return unsupported(*this);
}
Result<void> Store::scan_checkpoints(const CheckpointVisitor&) {
  return unsupported(*this);
}
Result<std::int64_t> Store::prune_journal(std::int64_t, std::int64_t, std::int64_t, std::size_t,
                                          const JournalLeafHasher&) {
  return unsupported(*this);
}

}  // namespace hub::store
