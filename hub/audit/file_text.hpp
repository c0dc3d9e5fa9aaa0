// Reading the small files of the audit tools (keys, checkpoints) whole, with a size limit.
#pragma once

#include <cstddef>
#include <string>

#include "hub/core/error.hpp"

namespace hub::audit {

enum class FileAccess {
  any,         // a public file
  owner_only,  // a secret: refused when group or others may read or write it
};

// The file's bytes. Errc::not_found when it does not exist, Errc::invalid_input when it is
// larger than max_bytes, Errc::forbidden when `access` is owner_only and its mode allows more;
// each message names the file and says what to do.
Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes,
                                   FileAccess access = FileAccess::any);

}  // namespace hub::audit
