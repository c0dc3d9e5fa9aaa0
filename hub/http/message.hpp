// What a request handler sees and returns. Handlers are coroutines on the connection's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/error.hpp"

namespace hub::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct Principal {
  std::string name;
  std::vector<std::string> roles;
  bool has_role(std::string_view role) const;
};

struct RequestContext {
  std::string correlation_id;
  std::string listener;
  std::string peer_subject;  // the verified client certificate's subject (RFC 2253)
  std::string peer_issuer;
  std::string remote_address;
  const Principal* principal = nullptr;  // null: the certificate maps to no principal
  std::string route = "unmatched";       // the route pattern, for metrics and the access log
  std::map<std::string, std::string, std::less<>> params;  // path parameters of the route
  std::chrono::steady_clock::time_point started;
  asio::any_io_executor executor;

  // Set by a handler to misbehave on purpose (the partner simulators' fault injection): close the
  // connection abruptly (TCP reset) instead of answering, or write the answer in small pieces.
  bool reset_connection = false;
  std::size_t slow_write_chunk = 0;
  std::chrono::milliseconds slow_write_pause{0};
};

using Handler = std::function<asio::awaitable<Response>(const Request&, RequestContext&)>;

// {"error": {"code": ..., "message": ..., "correlation_id": ...}} with the error's HTTP status.
// An error that gives a retry_after is sent with Retry-After (seconds).
Response error_response(const Error& e, const RequestContext& ctx, unsigned version = 11);
// A JSON body with the given status.
Response json_response(unsigned status, std::string body, unsigned version = 11);
Response text_response(unsigned status, std::string body, std::string_view content_type,
                       unsigned version = 11);
// The answer to a HEAD request: the header fields a GET would get, Content-Length included,
// and no content (RFC 9110 §9.3.2).
void omit_content_for_head(Response& res);

}  // namespace hub::http
