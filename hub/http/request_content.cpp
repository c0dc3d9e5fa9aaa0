#include "hub/http/request_content.hpp"

#include <string>
#include <utility>

#include "hub/http/content_coding.hpp"

namespace hub::http {
namespace {

// A transfer coding other than chunked (RFC 9112 section 6.1): the parser undoes the chunked
// framing only, so gzip there would reach a route as its compressed bytes. 501
// unsupported_transfer_encoding (the section's "SHOULD respond with 501"), and the connection
// closes, since the body's end was not read as its codings say (section 6.3).
std::optional<Response> refuse_transfer_coding(Request& req, const RequestContext& ctx) {
  for (auto [it, end] = req.equal_range(bhttp::field::transfer_encoding); it != end; ++it) {
    for (const auto& coding : bhttp::token_list(it->value())) {
      if (beast::iequals(coding, "chunked")) continue;
      Response res = error_response(
          make_error(Errc::invalid_input,
                     "Transfer-Encoding: the hub reads the chunked transfer coding only; send a "
                     "compressed body with Content-Encoding",
                     "unsupported_transfer_encoding"),
          ctx, req.version());
      res.result(bhttp::status::not_implemented);
      req.keep_alive(false);
      return res;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Response> decode_request_content(Request& req, std::size_t max_body_bytes,
                                               const RequestContext& ctx) {
  if (auto refused = refuse_transfer_coding(req, ctx)) return refused;
  // Several Content-Encoding lines are one list (RFC 9110 section 5.3).
  std::string coding;
  for (auto [it, end] = req.equal_range(bhttp::field::content_encoding); it != end; ++it) {
    if (!coding.empty()) coding += ", ";
    coding += it->value();
  }
  if (coding.empty()) return std::nullopt;
  auto decoded = decode_content(std::move(req.body()), coding, max_body_bytes);
  if (decoded) {
    req.body() = std::move(*decoded);
    req.erase(bhttp::field::content_encoding);
    req.prepare_payload();
    return std::nullopt;
  }
  Error e = decoded.error();
  const std::string detail = e.detail;
  if (detail == "response_too_large") {
    e = make_error(Errc::payload_too_large,
                   "the request body is over the limit of " + std::to_string(max_body_bytes) +
                       " bytes once decoded",
                   "body_too_large");
  } else if (detail == "unsupported_content_encoding") {
    e = make_error(Errc::invalid_input,
                   "Content-Encoding names a coding the hub does not read (it reads gzip, "
                   "deflate and identity)",
                   detail);
  } else {
    e = make_error(Errc::invalid_input, "Content-Encoding: " + e.message, "bad_content_encoding");
  }
  Response res = error_response(e, ctx, req.version());
  if (detail == "unsupported_content_encoding") {
    res.result(bhttp::status::unsupported_media_type);
    res.set(bhttp::field::accept_encoding, kAcceptEncoding);
  }
  return res;
}

}  // namespace hub::http
