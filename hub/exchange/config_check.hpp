// The configuration's references to what the code and the mappings provide, checked the same way
// by `cnss-hub check` and by serve (Broker::create): every partner's adapter exists and its
// options match the adapter's schema (name, type, range, required); every recipe step names an
// operation of its partner's adapter and a mapping of the set; every events source names a
// mapping of the set. Each problem has the file:line:col of the key or value at fault.
#pragma once

#include <vector>

#include "hub/config/config.hpp"
#include "hub/mapping/engine.hpp"

namespace hub::exchange {

// Problems (codes: unknown_adapter, unknown_option, wrong_type, out_of_range, missing_key,
// unknown_operation, unknown_mapping). `mappings` null: mappings are not checked (no
// hub.mappings_dir, so nothing is served from them).
std::vector<config::Problem> check_references(const config::HubConfig& c,
                                              const mapping::Snapshot* mappings);

// The problems as one text, a line each (serve's refusal to start).
std::string problems_text(const std::vector<config::Problem>& problems);

}  // namespace hub::exchange
