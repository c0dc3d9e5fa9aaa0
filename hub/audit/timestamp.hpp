// RFC 3161 time-stamps over the journal's checkpoints, through OpenSSL's ts API: the request the
// hub sends a Time Stamping Authority (TSA), the checks on its response, and the verification of
// a stored response by anyone holding the TSA's CA certificate.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "hub/core/error.hpp"

namespace hub::audit {

// A TimeStampReq (RFC 3161 2.4.1) over SHA-256(data), with a random 64-bit nonce and certReq
// set (the TSA includes its certificate, so that the response verifies with its CA alone).
struct TimestampRequest {
  std::string der;  // what is POSTed (application/timestamp-query)
};
Result<TimestampRequest> make_timestamp_request(std::string_view data);

// A TSA's answer to `request`, checked: status granted (RFC 3161 2.4.2), version, the message
// imprint and nonce of the request, and the signature by a TSA certificate that chains to
// `ca_file` (PEM) and has the critical timeStamping extended key usage (RFC 3161 2.3).
// Errc::malformed_response naming what failed.
Result<void> check_timestamp_response(std::string_view response_der,
                                      const TimestampRequest& request, const std::string& ca_file);

// A stored TimeStampResp over `data`, checked as above but against the data itself (no nonce):
// returns the time the TSA certified (genTime). Errc::unprocessable naming what failed.
Result<std::chrono::system_clock::time_point> verify_timestamp(std::string_view response_der,
                                                               std::string_view data,
                                                               const std::string& ca_file);

}  // namespace hub::audit
