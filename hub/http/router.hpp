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

  asio::awaitable<Response> dispatch(const Request& req, RequestContext& ctx) const;

  // A handler that dispatches through this router (which must outlive it).
  Handler handler() const;

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
  };
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
