// Routes a request by method and path pattern ("/v1/insured/{number}") to its handler, after
// checking the principal's role. The pattern, not the path, names the route in metrics and logs.
//
// Methods (RFC 9110 §9): HEAD is served by a path's GET handler (the server sends no content,
// §9.3.2); OPTIONS on a path answers 204 with `Allow` listing the path's methods, and `OPTIONS *`
// lists every method the router serves (§9.3.7); a path served under other methods answers
// 405 with `Allow` (§15.5.6).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http/message.hpp"

namespace hub::http {

// One route as registered: its method, its pattern and the role it needs ("" for any known
// principal). What a listener serves, for checks against the OpenAPI descriptions.
struct RouteInfo {
  std::string method;  // "GET", "POST"...
  std::string pattern;
  std::string role;
};

class Router {
 public:
  // role: the role the principal needs; empty: any known principal.
  void add(bhttp::verb method, std::string pattern, std::string role, Handler handler);

  // A route whose handler reads the body in pieces (RequestBody), up to `max_body_bytes` once
  // decoded, instead of the whole body within the listener's limits.max_body_bytes: a large
  // upload stored as it arrives. A request for it that arrives whole is handed over the same way.
  void add_streamed(bhttp::verb method, std::string pattern, std::string role,
                    std::size_t max_body_bytes, StreamedHandler handler);

  asio::awaitable<Response> dispatch(const Request& req, RequestContext& ctx) const;
  asio::awaitable<Response> dispatch_streamed(const Request& head, RequestBody& body,
                                              RequestContext& ctx) const;

  // A handler that dispatches through this router (which must outlive it).
  Handler handler() const;
  // The streamed routes for the server (which must not outlive this router); empty without any.
  StreamedRoutes streamed_routes() const;

  // Every route, in the order added (HEAD and OPTIONS, which the router answers itself, are not
  // listed).
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    std::string role;
    Handler handler;
    StreamedHandler streamed;  // set instead of handler for a streamed route
    std::size_t max_body = 0;  // a streamed route's limit
  };
  // The route a request is for, its pattern and parameters put in ctx; or the answer to send
  // instead (no such route, 405, OPTIONS, the role missing).
  struct Match {
    const Route* route = nullptr;
    std::optional<Response> answer;
  };
  Match match(const Request& req, RequestContext& ctx) const;
  // The `Allow` value for these methods: the standard order, HEAD beside GET, OPTIONS last.
  static std::string allow_value(const std::vector<bhttp::verb>& methods);
  std::vector<Route> routes_;
};

// The path of a request target, without its query.
std::string_view path_of(std::string_view target);
// The value of a query parameter, percent-decoded; nullopt when absent. Router::dispatch refuses
// a request that gives one twice (400 repeated_query_parameter) before any route reads it.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

}  // namespace hub::http
