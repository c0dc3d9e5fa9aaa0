// What `--version` prints, and the arguments every command answers before its own: `--help`
// (or `-h`) and `--version`.
#pragma once

#include <string>
#include <string_view>

namespace hub {

// The CMake project's version (CMakeLists.txt `project(... VERSION ...)`), "0.1.0".
std::string_view version();
// The git commit the build was configured at (12 hex digits), or "" when it was not built from
// a git checkout.
std::string_view git_commit();
// "cnss-hub 0.1.0 (git 9ff087a1b2c3)": the line `--version` prints.
std::string version_line(std::string_view program);

// Whether one of argv[from..argc) is `--help` or `-h`.
bool asks_for_help(int argc, char** argv, int from = 1);
// Whether one of argv[from..argc) is `--version`.
bool asks_for_version(int argc, char** argv, int from = 1);

}  // namespace hub
