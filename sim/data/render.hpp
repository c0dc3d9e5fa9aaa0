// Small writers shared by the four renderers: escaping, JSON objects whose key order may vary,
// the deterministic variation stream, and the answers every partner gives alike.
#pragma once

#include "sim/data/calendar.hpp"
#include "sim/data/handlers.hpp"
#include "sim/data/identifiers.hpp"
#include "sim/data/random.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sim::render {

void append_xml_text(std::string& out, std::string_view text);
void append_json_string(std::string& out, std::string_view text);

// Decides, per identifier, how an answer departs from the example; always "no" when strict.
class Variation {
 public:
  Variation(const Options& options, std::string_view identifier);
  bool on() const { return on_; }
  // True with probability per_mille / 1000 when variation is on.
  bool roll(unsigned per_mille);
  // Index in [0, n) when on, 0 when strict.
  unsigned choose(unsigned n);
  Rng& rng() { return rng_; }

 private:
  bool on_;
  Rng rng_;
};

// A JSON object built field by field and written in the example's order, or shuffled.
class JsonObject {
 public:
  JsonObject& str(std::string_view key, std::string_view value);
  JsonObject& null(std::string_view key);
  JsonObject& date(std::string_view key, const Date& d);
  JsonObject& date_or_null(std::string_view key, const std::optional<Date>& d);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& raw(std::string_view key, std::string json);
  // Shuffles the keys and may add unknown ones when `v` is on.
  std::string render(Variation& v) const;
  std::string render() const;

 private:
  std::vector<std::pair<std::string_view, std::string>> fields_;
};

std::string json_array(const std::vector<std::string>& items);

// The body cut short, on a character boundary, so that it no longer parses.
void truncate(std::string& body);

struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);
// The value of `name` in a query string, percent-decoded; empty optional when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
// Number of parameters in the query string.
std::size_t query_param_count(std::string_view query);

Reply not_found_path();
Reply method_not_allowed(std::string_view allow);

// The JSON error answer DGI and ANRC share: {"erreur": {"code": ..., "message": ...}}.
Reply erreur(unsigned status, std::string_view code, std::string_view message, std::string kind);
// A partner's error answer in its own format: (status, its contract's code, message, the reply's
// kind for the counters).
using ErrorFormat = Reply (*)(unsigned, std::string_view, std::string_view, std::string);
// The codes and messages a partner's contract gives the reserved suffixes' errors.
struct ReservedWords {
  std::string_view not_found_code;
  std::string_view not_found_message;
  std::string_view unavailable_code;
  std::string_view unavailable_message;
  std::string_view rate_limited_code;
  std::string_view rate_limited_message;
};
// What partners/README.md reserves, in the partner's format: 404 not found (000), 500 unavailable
// (999), 429 with Retry-After: 1 (996); none for the suffixes whose answer is the normal one,
// degraded (see degrade).
std::optional<Reply> reserved_error(Reserved reserved, const ReservedWords& words,
                                    ErrorFormat format);
// reserved_error in DGI's and ANRC's shape: 500 INDISPONIBLE, 429 QUOTA_DEPASSE.
std::optional<Reply> reserved_erreur(Reserved reserved, std::string_view not_found_code,
                                     std::string_view not_found_message);
// The normal answer of a reserved identifier degraded: cut short (998) or delayed by 30 s (997).
void degrade(Reply& reply, Reserved reserved);

// "2026-11-02T08:00:00Z": `minute` minutes past midnight (UTC) of `day`.
std::string rfc3339_utc(const Date& day, unsigned minute);

}  // namespace sim::render
