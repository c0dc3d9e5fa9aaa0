// The journal's tree over HTTP (docs/openapi/journal.yaml): GET {prefix}/checkpoint (the latest
// signed checkpoint, a C2SP note), {prefix}/proof?index=N[&size=M] (an entry's inclusion proof)
// and {prefix}/consistency?from=A[&to=B] (the consistency proof between two tree sizes). Served
// under /partner/v1/journal on the partners listener and /v1/journal on the internal one.
#pragma once

#include <string>
#include <vector>

#include "hub/audit/journal_proofs.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

// `role`: the role a caller needs ("" for any known principal). Store reads run on `pool`.
void add_journal_routes(http::Router& router, audit::JournalProofs& proofs,
                        registry::StorePool& pool, const std::string& prefix,
                        const std::string& role);

// The journal routes a listener serves, by its interfaces: /partner/v1/journal (role `partner`)
// with "partner"; /v1/journal (any known principal) with "registration" or "admin".
void add_journal_routes_for(http::Router& router, const std::vector<std::string>& interfaces,
                            audit::JournalProofs& proofs, registry::StorePool& pool);

}  // namespace hub::api
