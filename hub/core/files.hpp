// Files that hold personal data or secrets: created for the hub's own user alone.
#pragma once

#include <string>

#include "hub/core/error.hpp"

namespace hub {

// Creates `dir` and any missing parent, each folder it creates with mode 0700 (a folder that
// already exists keeps its mode: the operator chose it). Errors: Errc::internal, code
// "file_error", with the folder and the system's reason.
Result<void> create_private_directories(const std::string& dir);

// Creates `file` when missing, and sets it to mode 0600 (owner read and write) whether it was
// just created or not: a database of personal data, or a key, is never readable by other users
// (issue 15; law 09-08 art. 23 requires measures against unauthorised access). Errors as above.
Result<void> make_owner_only(const std::string& file);

}  // namespace hub
