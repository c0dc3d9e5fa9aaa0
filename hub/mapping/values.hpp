// Scalar conversions shared by the compiler (to check literals) and the evaluator (to run steps).
#pragma once

#include "hub/mapping/canonical.hpp"
#include "hub/mapping/program.hpp"

#include <cstdint>
#include <string_view>

namespace hub::mapping {

struct Date {
  int year = 0;
  int month = 0;  // 0 with day 0: known only by its year
  int day = 0;
  bool year_only() const { return month == 0; }
};

// Compiles a pattern such as "dd/MM/yyyy" or "00/00/yyyy"; false if it is not one.
bool compile_date_pattern(std::string_view text, bool year_only, DatePattern& out);
bool parse_date(std::string_view text, const DatePattern& p, Date& out);
// ISO 8601 "YYYY-MM-DD", or "YYYY" when partial is allowed.
bool parse_iso_date(std::string_view text, bool partial, Date& out);
// Writes ISO text ("YYYY-MM-DD" or "YYYY"); buf holds at least 11 chars; returns the length.
std::size_t write_iso_date(const Date& d, char* buf);
// Writes d with a pattern (a year-only date uses year_only when given, else only the year).
std::size_t write_date(const Date& d, const DatePattern& p, const DatePattern* year_only, char* buf,
                       std::size_t cap);

bool parse_integer(std::string_view s, std::int64_t& out);
// A decimal with '.', optional sign; `normalized` drops a leading '+'.
bool parse_decimal(std::string_view s, std::string_view& normalized);
bool check_identifier(FieldType kind, std::string_view s);

// Checks a literal (const, default) against a canonical field type; empty string when it fits,
// else the reason.
std::string check_literal(const CanonicalField& f, std::string_view text);

// Without leading and trailing spaces, tabs and line breaks.
inline std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace hub::mapping
