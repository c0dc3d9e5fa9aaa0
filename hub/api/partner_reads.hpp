// The partner API's reads on the partners listener (docs/partner-api.md,
// docs/openapi/partner-api.yaml), role `partner`, each admitted by an agreement:
//   GET  /partner/v1/affiliation-attestations/{ice}   DGI's attestation, in DGI's format
//   POST /partner/v1/affiliation-attestations/batch   {"identifiers": [ICE, ...]} (1..1000)
//   GET  /partner/v1/coverage/{cnie}                  a person's coverage
//   POST /partner/v1/coverage/batch                   {"identifiers": [CNIE, ...]} (1..1000)
// A single read answers the partner's view itself (200) or the hub's error; a batch answers 200
// with {"results": [{"identifier", "status", "data" | "error"}]} in the order asked. Every answer
// is recorded as a disclosure and journaled before it is served.
#pragma once

#include "hub/audit/journal.hpp"
#include "hub/http/router.hpp"
#include "hub/partner/reader.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

// Each answer carries its journal receipt (X-Journal-Receipt; in a batch, each result's
// "receipt") always when `receipts_always` (journal.receipts: always), else only when the request
// asks with `Prefer: receipt` (RFC 7240), answered `Preference-Applied: receipt`. The reader,
// journal and pool must outlive the router.
void add_partner_read_routes(http::Router& router, partner::Reader& reader, audit::Journal& journal,
                             registry::StorePool& pool, bool receipts_always = true,
                             const std::string& role = "partner");

}  // namespace hub::api
