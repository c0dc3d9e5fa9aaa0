// Where the registry's typed outcomes meet HTTP: the guards a request carries (Idempotency-Key,
// If-Match, ?as_of), and the status, ETag and JSON body an outcome becomes (errors take the
// common JSON error shape). The handler shapes every registration route shares: a read, a change
// that awaits a partner, a change made in the store alone. docs/openapi/registration.yaml.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "hub/http/router.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/store_pool.hpp"

namespace hub::api {

// 201 for a creation; 200 for a read, a change, nothing changed or an event applied.
unsigned status_of(registry::Effect effect);

// The outcome's status, its view as the JSON body, and ETag "\"<version>\"" when it has a
// version; an error's status and {"error": {"code", "message", "correlation_id"}}.
http::Response response_of(const Result<registry::Outcome>& r, const http::Request& req,
                           const http::RequestContext& ctx);

// Who asks (the principal, whether it holds `override_role`, the correlation id) and the guards
// its headers carry: Idempotency-Key (1 to 128 visible ASCII characters) and If-Match (an ETag
// the hub gave, "\"3\"" or W/"3"; "*" is no guard). invalid_input naming the header otherwise.
Result<registry::Caller> caller_of(const http::Request& req, const http::RequestContext& ctx,
                                   const std::string& override_role);

// The ?as_of=YYYY-MM-DD of a point-in-time read: nullopt when absent; invalid_input otherwise.
Result<std::optional<registry::Date>> as_of_of(const http::Request& req);

// The ?limit=N of a listing: `fallback` when absent; invalid_input at /limit unless an integer
// from 1 to 1000.
Result<std::size_t> limit_param(const http::Request& req, std::size_t fallback);

// A path parameter ("" when the route has none of that name).
std::string param(const http::RequestContext& ctx, const char* name);

using RegistryResult = Result<registry::Outcome>;
using Write = std::function<boost::asio::awaitable<RegistryResult>(
    const http::Request&, http::RequestContext&, registry::Caller)>;
using Change = std::function<RegistryResult(const http::Request&, http::RequestContext&,
                                            const registry::Caller&)>;
using Read = std::function<RegistryResult(const http::Request&, http::RequestContext&,
                                          std::optional<registry::Date>)>;

// A change that awaits a partner: the caller's guards are read, an earlier outcome under the same
// Idempotency-Key is given again (Idempotent-Replayed: true), and `op` runs otherwise.
http::Handler writing(registry::Registry& registry, registry::StorePool& pool,
                      std::string override_role, Write op);
// A change made in the store alone: the guards of `writing`, then `op` on the store pool.
http::Handler changing(registry::Registry& registry, registry::StorePool& pool,
                       std::string override_role, Change op);
// A read, on the store pool, with its ?as_of.
http::Handler reading(registry::StorePool& pool, Read op);

}  // namespace hub::api
