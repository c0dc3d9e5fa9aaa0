// POST /v1/prefill/person and POST /v1/prefill/employer (role `registration`): one identifier
// in, what the partners know out, field by field with its source.
#pragma once

#include "hub/exchange/broker.hpp"
#include "hub/http/router.hpp"

namespace hub::api {

void add_prefill_routes(http::Router& router, exchange::Broker& broker);

}  // namespace hub::api
