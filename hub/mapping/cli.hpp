// `cnss-hub mapping ...`: check a mapping set or file (compile + golden cases), or run one mapping
// on a payload. argv[0] is "mapping".
#pragma once

#include <iosfwd>

namespace hub::mapping {

int run_cli(int argc, char** argv);
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace hub::mapping
