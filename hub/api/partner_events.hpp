// The events inbox over HTTP (hub/events/inbox.hpp does the work): POST /partner/v1/events and
// GET /partner/v1/events/{id} for the partners that push events, GET /admin/v1/events for
// administrators (docs/openapi/partner-events.yaml). A delivery recorded now is 202, a
// redelivery 200; errors are the JSON error shape with their status.
#pragma once

#include <string>

#include "hub/events/inbox.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

// POST /partner/v1/events and GET /partner/v1/events/{id} (role `partner_role`); a 202 or 200
// to a POST carries the delivery's journal receipt (header X-Journal-Receipt, audit/receipt.hpp);
// GET /admin/v1/events, and the review queue GET /admin/v1/review and POST
// /admin/v1/review/{partner}/{event_id} (role `admin_role`). The inbox's work (mapping, store)
// runs on `pool`.
void add_partner_event_routes(http::Router& router, events::Inbox& inbox, registry::StorePool& pool,
                              const std::string& partner_role = "events");
void add_event_admin_routes(http::Router& router, events::Inbox& inbox, registry::StorePool& pool,
                            const std::string& admin_role = "admin");

}  // namespace hub::api
