// What a request handler sees and returns. Handlers are coroutines on the connection's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
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

  // Set by a handler whose answer's content comes in pieces: the server sends the answer's header
  // fields (its body left empty) with Transfer-Encoding: chunked (RFC 9112 section 7.1), then each
  // piece as a chunk, each write within the write timeout, until a piece is empty (the last
  // chunk). An error cuts the connection without the last chunk: the client sees the answer
  // incomplete. A client that leaves ends it: nothing more is asked of it.
  std::function<asio::awaitable<Result<std::string>>()> content_stream;
};

using Handler = std::function<asio::awaitable<Response>(const Request&, RequestContext&)>;

// A request body read in pieces as it arrives, for a route that stores a large upload without
// holding it (Router::add_streamed). The content is decoded (Content-Encoding) and its limit
// counted on the decoded bytes.
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  // The next piece of the content, valid until the next call; empty once it is all read.
  // "100 Continue" is sent first when the client asked for it (Expect: 100-continue, RFC 9110
  // section 10.1.1). Errors: payload_too_large/body_too_large (over the route's limit, decoded),
  // invalid_input/bad_content_encoding, invalid_input/bad_request (malformed framing),
  // timeout/read_timeout or invalid_input/connection_closed (the client stopped sending).
  virtual asio::awaitable<Result<std::string_view>> next() = 0;
};

using StreamedHandler =
    std::function<asio::awaitable<Response>(const Request&, RequestBody&, RequestContext&)>;

// A listener's routes that read their body in pieces (Router::add_streamed); the server reads
// every other request whole, as before.
struct StreamedRoutes {
  // How their request lines start ("POST /v1/jobs/prefill"): only a request that starts so is
  // read header first, so that the other requests are read as they always were.
  std::vector<std::string> starts;
  // The limit on the decoded body of the streamed route `head` (the header fields) is for;
  // nullopt: it is for none.
  std::function<std::optional<std::size_t>(const Request& head)> limit_for;
  // Routes the request to its handler, as Handler does (role checked).
  StreamedHandler handler;
};

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
