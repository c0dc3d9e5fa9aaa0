// Reading the header fields the hub's HTTP client acts on, as RFC 9110 writes them: lists
// (section 5.6.1), case-insensitive tokens, media types with parameters (section 8.3.1),
// Retry-After (section 10.2.3) and HTTP dates in their three forms (section 5.6.7).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hub::http {

// The members of a comma-separated list field (RFC 9110 section 5.6.1): whitespace around
// them removed, empty members skipped, tokens lower-cased (content codings are
// case-insensitive, section 8.4.1). Parameters (";q=0.5") are kept, lower-cased too.
std::vector<std::string> list_members(std::string_view value);

struct MediaType {
  std::string type;     // "application/json", lower-cased
  std::string charset;  // the charset parameter's value, lower-cased, unquoted; "" when absent
};
// Content-Type (RFC 9110 section 8.3.1): type/subtype, then parameters (name case-insensitive,
// value a token or a quoted-string); nullopt when it does not parse.
std::optional<MediaType> media_type(std::string_view value);

// The version a strong entity tag of ours names: "\"<version>\"" (RFC 9110 section 8.8.3), the
// version 1 to 17 decimal digits; nullopt for anything else ("*", a weak tag, other text).
std::optional<std::int64_t> etag_version(std::string_view tag);

// An HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), or the
// obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994")
// forms; a two-digit year more than 50 years ahead is the latest past year ending so.
std::optional<std::chrono::system_clock::time_point> http_date(
    std::string_view value, std::chrono::system_clock::time_point now);

// The three forms of an HTTP-date; the simulators write each, the hub writes none.
enum class DateForm { imf_fixdate, rfc850, asctime };
std::string http_date_text(std::chrono::system_clock::time_point t,
                           DateForm form = DateForm::imf_fixdate);

// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, as a delay from `now`
// (zero for a date already past); nullopt when it is neither.
std::optional<std::chrono::seconds> retry_after(std::string_view value,
                                                std::chrono::system_clock::time_point now);

// How a client accepts a content coding (Accept-Encoding, RFC 9110 section 12.5.3): true when
// `coding` has a q-value above 0, named or through "*".
bool accepts_coding(std::string_view accept_encoding, std::string_view coding);

}  // namespace hub::http
