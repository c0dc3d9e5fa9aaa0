// Applying a recorded partner event exactly once across the hub nodes: whichever node received
// the event, and whichever node's sweep finds it later, the application runs under a claim on
// the event (a lease in the store, event:<stream>) and only while the event is still recorded
// at the version read. A node killed mid-application lets its claim lapse (kClaimTtl); the next
// sweep applies the event then — the registry's applications are idempotent, so an application
// cut between its changes and the event's status is completed, never doubled.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "hub/store/store.hpp"

namespace hub::events {

// Short, so that an event left by a killed node is applied within seconds: an application takes
// a few store transactions, and one outliving its claim is still applied once (the version
// check and the registry's idempotent changes).
inline constexpr std::chrono::milliseconds kClaimTtl{5'000};

enum class Claimed {
  applied,    // this node applied it
  elsewhere,  // another node holds its claim now
  settled,    // no longer recorded at that version: applied (or being applied) already
  failed,     // the store failed: left for the next sweep
};

// Runs `apply` on the event's stream if this node can claim it and the event is still at
// `version` with `label` (recorded; or waiting, or applied, when a fact it waits for arrived);
// releases the claim after.
Claimed apply_claimed(store::Store& store, const std::string& owner, const std::string& stream,
                      std::int64_t version, const std::function<void()>& apply,
                      std::string_view label = "recorded");

}  // namespace hub::events
