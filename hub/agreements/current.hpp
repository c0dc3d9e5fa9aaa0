// The stored agreement set as this node serves it now: read from the store on each call (one
// record read), parsed again only when its version changed. Shared by the partner API and the
// change feed, so that a PUT /admin/v1/agreements is served by both from their next request.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "hub/agreements/stored.hpp"
#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::agreements {

class Current {
 public:
  Current(store::Store& store, const std::vector<config::Principal>& principals)
      : store_(store), principals_(principals) {}

  // Blocking (a store read): the set in force in the store; an empty set when none is stored
  // (deny all). Errors: the store's; internal/invalid_stored_agreements (from_state()).
  Result<std::shared_ptr<const AgreementSet>> get();

 private:
  store::Store& store_;
  const std::vector<config::Principal>& principals_;
  std::mutex mutex_;
  std::shared_ptr<const AgreementSet> last_;  // the last read, by version
};

}  // namespace hub::agreements
