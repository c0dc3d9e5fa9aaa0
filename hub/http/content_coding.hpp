// Content codings of partners' answers (RFC 9110 section 8.4): gzip and x-gzip (RFC 1952),
// deflate (the zlib format of RFC 1950, section 8.4.1.2; a raw RFC 1951 stream is read too, as
// some servers send one), identity. zlib does the work.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hub/core/error.hpp"

namespace hub::http {

// What the hub's client sends as Accept-Encoding: what decode_content() reads.
inline constexpr std::string_view kAcceptEncoding = "gzip, deflate, identity";

// True when the coding is one decode_content() reads (case-insensitive).
bool decodable_coding(std::string_view coding);

// `body` as it was before the codings of `content_encoding` (a Content-Encoding value: codings
// in the order they were applied) were applied, in at most `limit` bytes. Errors
// (malformed_response): unsupported_content_encoding (a coding the hub does not read),
// bad_content_encoding (the bytes are not what the coding says), response_too_large (more than
// `limit` bytes once decoded; decoding stops there, having allocated no more than the limit).
Result<std::string> decode_content(std::string body, std::string_view content_encoding,
                                   std::size_t limit);

// A coded request content decoded as it arrives (a body read in pieces: the server's streamed
// routes), its output a bounded piece at a time, so that a decompression bomb never holds more
// than the caller's buffer. One coding is undone (gzip, x-gzip or deflate; identity members of the
// list are skipped). zlib does the work.
class ContentDecoder {
 public:
  // The decoder for a Content-Encoding value; nullptr when every member is identity. Error
  // unsupported_content_encoding: a coding the hub does not read, or more than one that is not
  // identity.
  static Result<std::unique_ptr<ContentDecoder>> for_coding(std::string_view content_encoding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // The next coded bytes: held by the caller until read() answers 0.
  void give(std::string_view coded);
  // Decodes into `out`, at most its size; 0 once the bytes given are used up. Error
  // bad_content_encoding: the bytes are not what the coding says, or bytes follow its end.
  Result<std::size_t> read(std::span<char> out);
  // At the end of the content. Error bad_content_encoding: the coded stream ends early.
  Result<void> finish() const;

 private:
  struct State;
  explicit ContentDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The encoders the simulators use (and the tests): gzip; deflate as the zlib format, or raw.
std::string gzip(std::string_view data);
std::string deflate(std::string_view data, bool raw = false);
// A gzip member that decodes to `n` zero bytes, made without holding them: a decompression bomb.
std::string gzip_zeros(std::size_t n);

}  // namespace hub::http
