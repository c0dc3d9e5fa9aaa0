// Checking the journal's Merkle proofs, as RFC 9162 2.1.3.2 and 2.1.4.2 describe, with nothing
// but the proof, the sizes and the roots: what a partner or an auditor runs on its side.
// A proof that does not verify is Errc::unprocessable with detail "inclusion_proof_invalid" or
// "consistency_proof_invalid" and a message that says which check failed.
#pragma once

#include <cstdint>
#include <span>

#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

// RFC 9162 2.1.3.2: leaf `leaf` (its leaf hash) is number `index` of the tree of `size` leaves
// whose root is `root`.
Result<void> verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                              std::span<const Hash> proof, const Hash& root);

// RFC 9162 2.1.4.2: the tree of `first` leaves with root `first_root` is a prefix of the tree of
// `second` leaves with root `second_root`. For first == second the proof must be empty and the
// roots equal; for first == 0 the proof must be empty (every tree extends the empty one).
Result<void> verify_consistency(std::uint64_t first, std::uint64_t second,
                                std::span<const Hash> proof, const Hash& first_root,
                                const Hash& second_root);

}  // namespace hub::audit
