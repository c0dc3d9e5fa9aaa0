// The hub's checkpointer, made from the audit: section (docs/audit.md, "Checkpoints in the hub"):
// the journal's signing key, its origin, the interval, the optional TSA and the retention period,
// with its rounds counted in /metrics.
#pragma once

#include <memory>

#include "hub/audit/checkpointer.hpp"
#include "hub/config/config.hpp"
#include "hub/http/metrics.hpp"
#include "hub/store/store.hpp"

namespace hub::app {

// Nothing when the configuration has no audit: section. The signing key is read now: a key that
// cannot be read, is not Ed25519 or that group or others may read fails the start.
Result<std::unique_ptr<audit::Checkpointer>> make_checkpointer(const config::HubConfig& config,
                                                               store::Store& store,
                                                               http::Metrics& metrics);

}  // namespace hub::app
