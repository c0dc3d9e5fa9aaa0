// A client's coded request content (RFC 9110 section 8.4: Content-Encoding gzip, x-gzip, deflate,
// identity, or a list of them), decoded before any route reads the body, with the size limit
// counted on the decoded bytes. Partners' systems compress what they push; a route never sees a
// coded body.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "hub/http/message.hpp"

namespace hub::http {

// Undoes `req`'s content codings in place: the body becomes the decoded bytes, Content-Encoding is
// removed and Content-Length set to the decoded size. Nothing is done without Content-Encoding.
// Returns the answer to send instead when the content cannot be decoded:
// - 415 unsupported_content_encoding, with Accept-Encoding naming what the hub reads;
// - 400 bad_content_encoding: the bytes are not what the coding says;
// - 413 body_too_large: more than `max_body_bytes` once decoded (a decompression bomb stops there);
// - 501 unsupported_transfer_encoding: a transfer coding other than chunked (RFC 9112 section
//   6.1), the connection then closed (keep-alive cleared on `req`).
std::optional<Response> decode_request_content(Request& req, std::size_t max_body_bytes,
                                               const RequestContext& ctx);

// 501 unsupported_transfer_encoding for a transfer coding other than chunked (RFC 9112 section
// 6.1: the parser undoes the chunked framing only), keep-alive cleared on `req`; nullopt otherwise.
std::optional<Response> refuse_transfer_coding(Request& req, const RequestContext& ctx);
// A request's Content-Encoding, its lines joined into one list (RFC 9110 section 5.3); "" when
// it has none.
std::string content_coding_of(const Request& req);
// What the client is told of a content that cannot be decoded (an error of decode_content or
// ContentDecoder): body_too_large (over `max_body_bytes` once decoded), bad_content_encoding,
// unsupported_content_encoding.
Error undecodable_content(const Error& decoding, std::size_t max_body_bytes);
// The answer with that error: 415 with Accept-Encoding for a coding the hub does not read.
Response undecodable_content_response(const Error& decoding, std::size_t max_body_bytes,
                                      const RequestContext& ctx, unsigned version);

}  // namespace hub::http
