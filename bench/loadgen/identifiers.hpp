// Identifiers drawn from a numeric range, in the form each partner expects.
#pragma once

#include <cstdint>
#include <string>

namespace loadgen {

// kind: cnie (two letters + 6 digits), ice (valid modulo 97), if (8 digits), rib (valid key),
// or number (the number itself). Numbers whose last three digits are a simulator's reserved
// ending (000, 996-999) are moved off it, so a load test never asks for an error on purpose.
std::string make_identifier(const std::string& kind, std::uint64_t n);
bool valid_kind(const std::string& kind);

}  // namespace loadgen
