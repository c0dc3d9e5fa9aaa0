// Runs `cnss-hub audit ...` in the test's process and keeps its exit status and output.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "hub/audit/journal.hpp"

namespace hub::testing {

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

// args[0] is "audit", as cnss-hub passes it.
inline CliRun run_audit_cli(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  CliRun r;
  r.status = audit::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace hub::testing
