#include "hub/http/request_content.hpp"

#include <string>
#include <utility>

#include "hub/http/content_coding.hpp"

namespace hub::http {

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

std::string content_coding_of(const Request& req) {
  // Several Content-Encoding lines are one list (RFC 9110 section 5.3).
  std::string coding;
  for (auto [it, end] = req.equal_range(bhttp::field::content_encoding); it != end; ++it) {
    if (!coding.empty()) coding += ", ";
    coding += it->value();
  }
  return coding;
}

Error undecodable_content(const Error& decoding, std::size_t max_body_bytes) {
  const std::string& detail = decoding.detail;
  if (detail == "response_too_large") {
    return make_error(Errc::payload_too_large,
                      "the request body is over the limit of " + std::to_string(max_body_bytes) +
                          " bytes once decoded",
                      "body_too_large");
  }
  if (detail == "unsupported_content_encoding") {
    return make_error(Errc::invalid_input,
                      "Content-Encoding names a coding the hub does not read (it reads gzip, "
                      "deflate and identity)",
                      detail);
  }
  if (decoding.code != Errc::malformed_response) return decoding;
  return make_error(Errc::invalid_input, "Content-Encoding: " + decoding.message,
                    "bad_content_encoding");
}

Response undecodable_content_response(const Error& decoding, std::size_t max_body_bytes,
                                      const RequestContext& ctx, unsigned version) {
  Response res = error_response(undecodable_content(decoding, max_body_bytes), ctx, version);
  if (decoding.detail == "unsupported_content_encoding") {
    res.result(bhttp::status::unsupported_media_type);
    res.set(bhttp::field::accept_encoding, kAcceptEncoding);
  }
  return res;
}

std::optional<Response> decode_request_content(Request& req, std::size_t max_body_bytes,
                                               const RequestContext& ctx) {
  if (auto refused = refuse_transfer_coding(req, ctx)) return refused;
  const std::string coding = content_coding_of(req);
  if (coding.empty()) return std::nullopt;
  auto decoded = decode_content(std::move(req.body()), coding, max_body_bytes);
  if (decoded) {
    req.body() = std::move(*decoded);
    req.erase(bhttp::field::content_encoding);
    req.prepare_payload();
    return std::nullopt;
  }
  return undecodable_content_response(decoded.error(), max_body_bytes, ctx, req.version());
}

}  // namespace hub::http
