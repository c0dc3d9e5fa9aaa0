// cnss-sim serve: every configured partner on its own port, over mutual TLS.
#pragma once

#include "sim/sim_config.hpp"

namespace sim {

int serve(const SimConfig& config);

}  // namespace sim
