// What the hub answers about its journal's tree (docs/openapi/journal.yaml): the latest signed
// checkpoint, an entry's inclusion proof and the consistency proof between two tree sizes, read
// from the nodes committed in the store. Proofs are given only up to the latest checkpoint's tree
// size: the hub commits to nothing it has not signed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// RFC 9162 2.1.3: leaf `leaf_index` (entry seq leaf_index + 1) of the tree of `tree_size` leaves.
struct InclusionAnswer {
  std::uint64_t leaf_index = 0;
  std::uint64_t tree_size = 0;
  Hash leaf_hash{};
  std::vector<Hash> path;                 // from the leaf's sibling upwards
  std::optional<std::string> checkpoint;  // the signed checkpoint of tree_size, when stored
};

// RFC 9162 2.1.4: the tree of `from` leaves is a prefix of the tree of `to` leaves.
struct ConsistencyAnswer {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::vector<Hash> path;
  std::optional<std::string> checkpoint;  // the signed checkpoint of `to`, when stored
};

class JournalProofs {
 public:
  // `checkpoint_every` is what a caller asking beyond the latest checkpoint is told to wait.
  JournalProofs(store::Store& store, std::chrono::milliseconds checkpoint_every)
      : store_(store), checkpoint_every_(checkpoint_every) {}

  // The latest checkpoint. Errc::not_found, detail "no_checkpoint", before the first.
  Result<store::StoredCheckpoint> latest();
  // `size` defaults to the latest checkpoint's. Errc::invalid_input when index >= size;
  // Errc::not_found, detail "not_checkpointed" (with a Retry-After), beyond the latest checkpoint.
  Result<InclusionAnswer> inclusion(std::uint64_t index, std::optional<std::uint64_t> size);
  // `to` defaults to the latest checkpoint's size. Errc::invalid_input when from > to; as
  // inclusion() beyond the latest checkpoint.
  Result<ConsistencyAnswer> consistency(std::uint64_t from, std::optional<std::uint64_t> to);

 private:
  // The tree size asked (or the latest checkpoint's), within the latest checkpoint; and the
  // checkpoint of that size when one is stored.
  Result<std::pair<std::uint64_t, std::optional<std::string>>> signed_size(
      std::optional<std::uint64_t> asked);

  store::Store& store_;
  std::chrono::milliseconds checkpoint_every_;
};

}  // namespace hub::audit
