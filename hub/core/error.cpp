#include "hub/core/error.hpp"

#include <stdexcept>

namespace hub {

std::string_view code_of(Errc c) {
  switch (c) {
    case Errc::invalid_input:
      return "invalid_input";
    case Errc::unauthenticated:
      return "unauthenticated";
    case Errc::unknown_principal:
      return "unknown_principal";
    case Errc::forbidden:
      return "forbidden";
    case Errc::forbidden_purpose:
      return "forbidden_purpose";
    case Errc::not_found:
      return "not_found";
    case Errc::gone:
      return "gone";
    case Errc::method_not_allowed:
      return "method_not_allowed";
    case Errc::conflict:
      return "conflict";
    case Errc::precondition_failed:
      return "precondition_failed";
    case Errc::payload_too_large:
      return "payload_too_large";
    case Errc::unprocessable:
      return "unprocessable";
    case Errc::rate_limited:
      return "rate_limited";
    case Errc::internal:
      return "internal";
    case Errc::partner_unavailable:
      return "partner_unavailable";
    case Errc::timeout:
      return "timeout";
    case Errc::malformed_response:
      return "malformed_response";
    case Errc::tls_failure:
      return "tls_failure";
    case Errc::journal_unavailable:
      return "journal_unavailable";
    case Errc::store_unavailable:
      return "store_unavailable";
  }
  return "internal";
}

unsigned http_status_of(Errc c) {
  switch (c) {
    case Errc::invalid_input:
      return 400;
    case Errc::unauthenticated:
      return 401;
    case Errc::unknown_principal:
    case Errc::forbidden:
    case Errc::forbidden_purpose:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::gone:
      return 410;
    case Errc::method_not_allowed:
      return 405;
    case Errc::conflict:
      return 409;
    case Errc::precondition_failed:
      return 412;
    case Errc::payload_too_large:
      return 413;
    case Errc::unprocessable:
      return 422;
    case Errc::rate_limited:
      return 429;
    case Errc::internal:
      return 500;
    case Errc::partner_unavailable:
    case Errc::malformed_response:
    case Errc::tls_failure:
      return 502;
    case Errc::timeout:
      return 504;
    case Errc::journal_unavailable:
    case Errc::store_unavailable:
      return 503;
  }
  return 500;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(std::string(e.wire_code()) + ": " + e.message);
}

}  // namespace hub
