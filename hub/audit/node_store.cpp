#include "hub/audit/node_store.hpp"

#include <string>

namespace hub::audit {
namespace {

std::string name(const NodeId& id) {
  return "(" + std::to_string(id.level) + ", " + std::to_string(id.index) + ")";
}

}  // namespace

Result<std::vector<Hash>> MemoryNodeStore::get(std::span<const NodeId> ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    if (id.level < 0 || static_cast<std::size_t>(id.level) >= levels_.size() ||
        id.index >= levels_[id.level].size()) {
      return make_error(Errc::not_found, "Merkle tree node " + name(id) + " is not stored");
    }
    out.push_back(levels_[id.level][id.index]);
  }
  return out;
}

Result<void> MemoryNodeStore::put(std::span<const Node> nodes) {
  // All or nothing, like a transaction: a refused node takes back the ones added before it.
  std::vector<std::size_t> sizes;
  for (const auto& level : levels_) sizes.push_back(level.size());
  auto refuse = [&](Error e) -> Result<void> {
    levels_.resize(sizes.size());
    for (std::size_t l = 0; l < sizes.size(); ++l) levels_[l].resize(sizes[l]);
    return e;
  };
  for (const auto& n : nodes) {
    if (n.id.level < 0 || n.id.level > 64) {
      return refuse(
          make_error(Errc::invalid_input, "Merkle tree node " + name(n.id) + ": no such level"));
    }
    if (static_cast<std::size_t>(n.id.level) >= levels_.size()) levels_.resize(n.id.level + 1);
    auto& level = levels_[n.id.level];
    if (n.id.index < level.size()) {
      if (level[n.id.index] != n.hash) {
        return refuse(make_error(Errc::conflict, "Merkle tree node " + name(n.id) +
                                                     " is already stored with another hash"));
      }
    } else if (n.id.index == level.size()) {
      level.push_back(n.hash);
    } else {
      return refuse(make_error(
          Errc::invalid_input,
          "Merkle tree node " + name(n.id) + " is written before the nodes to its left"));
    }
  }
  return {};
}

}  // namespace hub::audit
