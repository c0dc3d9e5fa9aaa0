#include "hub/audit/journal_tree.hpp"

#include <algorithm>
#include <map>

#include "hub/audit/chain.hpp"
#include "hub/audit/digest.hpp"
#include "hub/audit/journal_leaf.hpp"

namespace hub::audit {

namespace {

constexpr std::uint64_t kBlock = std::uint64_t{1} << kFirstStoredLevel;

std::string name(const NodeId& id) {
  return "(" + std::to_string(id.level) + ", " + std::to_string(id.index) + ")";
}

// MTH of a power-of-two run of leaves (RFC 9162 2.1.1): pairs hashed level by level.
Hash subtree_root(std::vector<Hash> level) {
  while (level.size() > 1) {
    for (std::size_t i = 0; i < level.size() / 2; ++i) {
      level[i] = node_hash(level[2 * i], level[2 * i + 1]);
    }
    level.resize(level.size() / 2);
  }
  return level.front();
}

}  // namespace

StoredNodes::StoredNodes(store::Store& store)
    : read_{[&store](const std::vector<store::TreeNodeId>& ids) { return store.tree_nodes(ids); },
            [&store](std::int64_t first, std::int64_t last) {
              return store.journal_entries(first, last);
            }} {}

Result<std::vector<Hash>> StoredNodes::stored(std::span<const NodeId> ids) {
  std::vector<store::TreeNodeId> asked;
  asked.reserve(ids.size());
  for (const auto& id : ids) asked.push_back({id.level, static_cast<std::int64_t>(id.index)});
  auto hex = read_.nodes(asked);
  if (!hex) return hex.error();
  std::vector<Hash> out;
  out.reserve(hex->size());
  for (std::size_t i = 0; i < hex->size(); ++i) {
    auto h = hash_from_hex((*hex)[i]);
    if (!h) {
      return make_error(Errc::internal,
                        "the journal tree's node " + name(ids[i]) + " is stored as '" + (*hex)[i] +
                            "', not 64 hex digits",
                        "store_error");
    }
    out.push_back(*h);
  }
  return out;
}

Result<std::vector<Hash>> StoredNodes::leaves(std::uint64_t first, std::uint64_t end) {
  auto entries =
      read_.entries(static_cast<std::int64_t>(first) + 1, static_cast<std::int64_t>(end));
  if (!entries) return entries.error();
  std::vector<Hash> out;
  out.reserve(end - first);
  for (const auto& e : *entries) {
    if (static_cast<std::uint64_t>(e.seq) != first + out.size() + 1) break;
    auto leaf = entry_leaf(e);
    if (!leaf) return leaf.error();
    out.push_back(*leaf);
  }
  if (out.size() != end - first) {
    return make_error(Errc::not_found,
                      "the journal tree's leaf " + std::to_string(first + out.size()) +
                          " is not stored: journal entry " +
                          std::to_string(first + out.size() + 1) + " is missing",
                      "tree_node_missing");
  }
  return out;
}

Result<std::vector<Hash>> StoredNodes::get(std::span<const NodeId> ids) {
  // The nodes the store keeps, read together; for the others, how far into its block each
  // block's entries are needed.
  std::vector<NodeId> kept;
  std::map<std::uint64_t, std::uint64_t> blocks;  // block -> end of the leaves needed
  for (const auto& id : ids) {
    if (id.level >= kFirstStoredLevel) {
      kept.push_back(id);
      continue;
    }
    const std::uint64_t end = (id.index + 1) << id.level;
    auto& need = blocks[(id.index << id.level) / kBlock];
    need = std::max(need, end);
  }
  auto kept_hashes = stored(kept);
  if (!kept_hashes) return kept_hashes.error();
  std::map<std::uint64_t, std::vector<Hash>> block_leaves;
  for (const auto& [block, end] : blocks) {
    auto got = leaves(block * kBlock, end);
    if (!got) return got.error();
    block_leaves.emplace(block, std::move(*got));
  }
  std::vector<Hash> out;
  out.reserve(ids.size());
  std::size_t next_kept = 0;
  for (const auto& id : ids) {
    if (id.level >= kFirstStoredLevel) {
      out.push_back((*kept_hashes)[next_kept++]);
      continue;
    }
    const std::uint64_t begin = id.index << id.level;
    const auto& block = block_leaves.at(begin / kBlock);
    const auto from = block.begin() + static_cast<std::ptrdiff_t>(begin % kBlock);
    out.push_back(subtree_root({from, from + (std::ptrdiff_t{1} << id.level)}));
  }
  return out;
}

Result<void> StoredNodes::put(std::span<const Node>) {
  return make_error(Errc::internal,
                    "the journal tree's nodes are written with their entries (TreeWriter)");
}

TreeWriter::TreeWriter()
    : builder_([this](const store::TreeReader& read, std::int64_t size_before,
                      const std::vector<store::JournalEntry>& entries) {
        return build(read, size_before, entries);
      }),
      sealer_([this](const store::JournalEntry& e) { return seal(e); }) {}

std::string TreeWriter::seal(const store::JournalEntry& e) {
  // A batch sealed again (its write failed and is retried) starts over.
  if (!sealed_.empty() && sealed_.back().seq + 1 != e.seq) sealed_.clear();
  const std::string bytes = entry_bytes(e);
  Sealed s{e.seq, sha256_hex(bytes), leaf_hash(bytes)};
  sealed_.push_back(s);
  return s.entry_hash;
}

Result<Hash> TreeWriter::leaf_of(const store::JournalEntry& e, std::size_t i) const {
  if (i < sealed_.size() && sealed_[i].seq == e.seq && sealed_[i].entry_hash == e.entry_hash &&
      e.pruned_ms == 0) {
    return sealed_[i].leaf;
  }
  return entry_leaf(e);
}

void TreeWriter::committed() {
  if (pending_) edge_ = std::move(pending_);
  pending_.reset();
}

Result<std::vector<store::TreeNode>> TreeWriter::build(
    const store::TreeReader& read, std::int64_t size_before,
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
  // Sealed in this batch when they are its own entries (append_journal); not so for a catch-up.
  const std::size_t offset =
      sealed_.empty() ? 0 : static_cast<std::size_t>(entries.front().seq - sealed_.front().seq);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto leaf = leaf_of(entries[i], offset + i);
    if (!leaf) return leaf.error();
    edge.range.append(*leaf, completed);
  }
  sealed_.clear();
  edge.last_hash = entries.back().entry_hash;
  std::vector<store::TreeNode> out;
  out.reserve(completed.size() / kBlock + 1);
  for (const auto& n : completed) {
    if (n.id.level < kFirstStoredLevel) continue;
    out.push_back({{n.id.level, static_cast<std::int64_t>(n.id.index)}, to_hex(n.hash)});
  }
  pending_ = std::move(edge);
  return out;
}

}  // namespace hub::audit
