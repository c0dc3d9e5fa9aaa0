#include "hub/http/request_content.hpp"

#include <string>
#include <utility>

#include "hub/http/content_coding.hpp"

namespace hub::http {

std::string content_coding_of(const Request& req) {
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
  // Several Content-Encoding lines are one list (RFC 9110 section 5.3).
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
