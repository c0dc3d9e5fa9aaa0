#include "hub/audit/journal_tree.hpp"

#include "hub/audit/journal_leaf.hpp"

namespace hub::audit {

StoredNodes::StoredNodes(store::Store& store)
    : read_([&store](const std::vector<store::TreeNodeId>& ids) { return store.tree_nodes(ids); }) {
}

Result<std::vector<Hash>> StoredNodes::get(std::span<const NodeId> ids) {
  std::vector<store::TreeNodeId> asked;
  asked.reserve(ids.size());
  for (const auto& id : ids) asked.push_back({id.level, static_cast<std::int64_t>(id.index)});
  auto hex = read_(asked);
  if (!hex) return hex.error();
  std::vector<Hash> out;
  out.reserve(hex->size());
  for (std::size_t i = 0; i < hex->size(); ++i) {
    auto h = hash_from_hex((*hex)[i]);
    if (!h) {
      return make_error(Errc::internal,
                        "the journal tree's node (" + std::to_string(ids[i].level) + ", " +
                            std::to_string(ids[i].index) + ") is stored as '" + (*hex)[i] +
                            "', not 64 hex digits",
                        "store_error");
    }
    out.push_back(*h);
  }
  return out;
}

Result<void> StoredNodes::put(std::span<const Node>) {
  return make_error(Errc::internal,
                    "the journal tree's nodes are written with their entries (TreeWriter)");
}

TreeWriter::TreeWriter()
    : builder_([this](const store::TreeNodeReader& read, std::int64_t size_before,
                      const std::vector<store::JournalEntry>& entries) {
        return build(read, size_before, entries);
      }) {}

void TreeWriter::committed() {
  if (pending_) edge_ = std::move(pending_);
  pending_.reset();
}

Result<std::vector<store::TreeNode>> TreeWriter::build(
    const store::TreeNodeReader& read, std::int64_t size_before,
    const std::vector<store::JournalEntry>& entries) {
  pending_.reset();
  if (entries.empty()) return std::vector<store::TreeNode>{};
  const auto size = static_cast<std::uint64_t>(size_before);
  Edge edge;
  if (edge_ && edge_->range.size() == size && edge_->last_hash == entries.front().prev_hash) {
    edge = *edge_;
  } else {
    StoredNodes stored(read);
    auto loaded = CompactRange::load(stored, size);
    if (!loaded) {
      return make_error(Errc::internal,
                        "the journal tree does not hold the " + std::to_string(size_before) +
                            " entries before this batch: " + loaded.error().message,
                        "store_error");
    }
    edge.range = std::move(*loaded);
  }
  std::vector<Node> completed;
  completed.reserve(2 * entries.size() + 64);
  for (const auto& e : entries) {
    auto leaf = entry_leaf(e);
    if (!leaf) return leaf.error();
    edge.range.append(*leaf, completed);
  }
  edge.last_hash = entries.back().entry_hash;
  std::vector<store::TreeNode> out;
  out.reserve(completed.size());
  for (const auto& n : completed) {
    out.push_back({{n.id.level, static_cast<std::int64_t>(n.id.index)}, to_hex(n.hash)});
  }
  pending_ = std::move(edge);
  return out;
}

}  // namespace hub::audit
