// The key the journal hashes identifiers with. It never leaves the data folder: whoever reads the
// journal without it cannot tell which identifier an entry is about.
#pragma once

#include <string>

#include "hub/core/error.hpp"

namespace hub::audit {

inline constexpr std::size_t kKeyBytes = 32;

// <data_dir>/audit.key: 32 random bytes, created (mode 0600) when missing and read afterwards.
// Refuses a key file of another size, and one that group or others may read.
Result<std::string> load_or_create_key(const std::string& data_dir);

}  // namespace hub::audit
