// The transport of RFC 3161 time-stamps: one POST of a TimeStampReq to a TSA over HTTP (RFC 3161
// section 3.4), bounded in time and size. Plain HTTP: a time-stamp token is signed, and what it
// stamps (a checkpoint) is public, so the transport needs neither secrecy nor authentication.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "hub/core/error.hpp"

namespace hub::audit {

struct TsaOptions {
  std::string url;  // http://host:port/path
  std::string ca;   // PEM: the CA certificates the TSA's signing certificate chains to
  std::chrono::milliseconds timeout{5'000};  // the whole call: resolve, connect, send, receive
  std::size_t max_response_bytes = 64 * 1024;
};

// POSTs `query` (application/timestamp-query) and returns the body of a 200 answer. Errors:
// Errc::timeout past options.timeout, Errc::partner_unavailable when the TSA cannot be reached or
// answers another status, Errc::malformed_response for an answer over max_response_bytes or that
// is not HTTP, Errc::invalid_input for a URL that is not http://.
Result<std::string> post_timestamp_query(const TsaOptions& options, std::string_view query);

}  // namespace hub::audit
