#include "hub/core/version.hpp"

// Set for this file alone by hub/core/CMakeLists.txt, so that a new commit recompiles nothing
// else.
#ifndef CNSS_VERSION
#define CNSS_VERSION "unknown"
#endif
#ifndef CNSS_GIT_COMMIT
#define CNSS_GIT_COMMIT ""
#endif

namespace hub {
namespace {

bool has_argument(int argc, char** argv, int from, std::initializer_list<std::string_view> any) {
  for (int i = from; i < argc; ++i) {
    for (auto a : any) {
      if (a == argv[i]) return true;
    }
  }
  return false;
}

}  // namespace

std::string_view version() {
  return CNSS_VERSION;
}

std::string_view git_commit() {
  return CNSS_GIT_COMMIT;
}

std::string version_line(std::string_view program) {
  std::string line = std::string(program) + " " + std::string(version());
  if (!git_commit().empty()) line += " (git " + std::string(git_commit()) + ")";
  return line;
}

bool asks_for_help(int argc, char** argv, int from) {
  return has_argument(argc, argv, from, {"--help", "-h"});
}

bool asks_for_version(int argc, char** argv, int from) {
  return has_argument(argc, argv, from, {"--version"});
}

}  // namespace hub
