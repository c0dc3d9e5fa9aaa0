// The hashing of the journal's Merkle tree, as RFC 9162 section 2.1.1 defines it with SHA-256:
// a leaf is SHA-256(0x00 || leaf input), an interior node SHA-256(0x01 || left || right), and the
// tree of no leaves SHA-256 of nothing. The prefixes keep a leaf from passing for a node.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace hub::audit {

inline constexpr std::size_t kHashBytes = 32;
using Hash = std::array<unsigned char, kHashBytes>;

// SHA-256(0x00 || input): RFC 9162 2.1.1, MTH({d(0)}).
Hash leaf_hash(std::string_view input);
// SHA-256(0x01 || left || right): RFC 9162 2.1.1, an interior node.
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: RFC 9162 2.1.1, MTH({}).
Hash empty_tree_hash();

std::string to_hex(const Hash& h);
// 64 hex digits (either case), or nothing.
std::optional<Hash> hash_from_hex(std::string_view hex);
std::string_view as_bytes(const Hash& h);

}  // namespace hub::audit
