// What a feed consumer may see of a record's state. The one place the feed decides it: when the
// consumers' agreements (issue 12, item 1) give field masks, this function applies the consumer's
// agreement instead, and nothing else in the feed changes.
#pragma once

#include <string_view>

#include "hub/config/config.hpp"
#include "hub/registry/json.hpp"

namespace hub::feed {

// The consumer's view of `state` (a registration record of `kind`: person, insured, family,
// employer). Deny by default: a consumer without `personal` sees only the top-level fields listed
// for the kind as not personal (the canonical model's `personal` markings, mappings/canonical/:
// names, CNIE, immatriculation of persons, addresses, contacts, RIBs, family members and employer
// representatives are personal); a kind not listed shows an empty object. A consumer with
// `personal` sees the whole state.
registry::json::Doc mask_state(const config::FeedConsumer& consumer, std::string_view kind,
                               const registry::json::Value& state);

}  // namespace hub::feed
