// Routes a request by method and path pattern ("/v1/insured/{number}") to its handler, after
// checking the principal's role. The pattern, not the path, names the route in metrics and logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http/message.hpp"

namespace hub::http {

class Router {
 public:
  // role: the role the principal needs; empty: any known principal.
  void add(bhttp::verb method, std::string pattern, std::string role, Handler handler);

  asio::awaitable<Response> dispatch(const Request& req, RequestContext& ctx) const;

  // A handler that dispatches through this router (which must outlive it).
  Handler handler() const;

 private:
  struct Route {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    std::string role;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// The path of a request target, without its query.
std::string_view path_of(std::string_view target);
// The first value of a query parameter, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

}  // namespace hub::http
