// Errors as values: the small, stable taxonomy that the hub's APIs expose unchanged to clients.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace hub {

enum class Errc {
  invalid_input,        // 400: the caller's input is malformed
  unauthenticated,      // 401: no usable client certificate
  unknown_principal,    // 403: the certificate is valid but maps to no principal
  forbidden,            // 403: the principal lacks the role
  forbidden_purpose,    // 403: the legal purpose is missing or not allowed
  not_found,            // 404
  gone,                 // 410: what was asked for is no longer kept (a pruned feed cursor)
  method_not_allowed,   // 405
  conflict,             // 409
  precondition_failed,  // 412
  payload_too_large,    // 413
  unprocessable,        // 422
  rate_limited,         // 429
  internal,             // 500
  partner_unavailable,  // 502/503: a partner failed
  timeout,              // 504: a deadline passed
  malformed_response,   // 502: a partner's answer could not be read
  tls_failure,          // 502: handshake or certificate verification towards a partner failed
  journal_unavailable,  // 503: the exchange journal cannot record the exchange (docs/audit.md)
  store_unavailable,    // 503: the store cannot be reached now (docs/operations.md)
  // A new code goes here, above this line, and kErrcCount follows it.
};
// How many codes there are (tests enumerate them all: a new one needs its wire code and status).
inline constexpr int kErrcCount = static_cast<int>(Errc::store_unavailable) + 1;

// Stable wire code ("invalid_input", "rate_limited", ...).
std::string_view code_of(Errc c);
// The HTTP status a client sees for this error.
unsigned http_status_of(Errc c);

struct Error {
  Errc code = Errc::internal;
  std::string message;
  // A finer, stable code where the family is not enough ("unknown_principal",
  // "body_too_large", "connect_refused"...). Empty means code_of(code).
  std::string detail;
  // For an error that passes (journal_unavailable...): when the client may try again, sent as
  // Retry-After (RFC 9110 section 10.2.3). Zero: no hint.
  std::chrono::seconds retry_after{0};
  // A JSON object a client may read beside the message: the facts behind a refusal (not_eligible:
  // the household's index, threshold and date). Empty: none. HTTP renders it as "details".
  std::string details_json{};

  std::string_view wire_code() const { return detail.empty() ? code_of(code) : detail; }
};

inline Error make_error(Errc c, std::string message, std::string detail = {}) {
  return Error{c, std::move(message), std::move(detail)};
}

// Found by argument-dependent lookup when result<T, Error>::value() is called on an error.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace hub
