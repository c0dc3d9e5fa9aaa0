#include "hub/mapping/values.hpp"

#include "hub/identifiers/partner_ids.hpp"

#include <charconv>

namespace hub::mapping {

namespace {

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

bool read_number(std::string_view s, std::size_t& i, std::size_t width, int& out) {
  if (i + width > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < width; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += width;
  out = v;
  return true;
}

bool valid(const Date& d) {
  if (d.year < 1 || d.year > 9999) return false;
  if (d.year_only()) return d.day == 0;
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= days_in(d.year, d.month);
}

void put(char* buf, std::size_t& n, std::size_t cap, int v, int width) {
  char tmp[8];
  for (int k = width - 1; k >= 0; --k) {
    tmp[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  for (int k = 0; k < width && n < cap; ++k) buf[n++] = tmp[k];
}

}  // namespace

bool compile_date_pattern(std::string_view text, bool year_only, DatePattern& out) {
  out.text = std::string(text);
  out.tokens.clear();
  int seen_d = 0, seen_m = 0, seen_y = 0;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == 'd' || c == 'M' || c == 'y') {
      std::size_t j = i;
      while (j < text.size() && text[j] == c) ++j;
      std::size_t w = j - i;
      if ((c == 'y' && w != 4) || (c != 'y' && w != 2)) return false;
      out.tokens.push_back({c, 0, static_cast<std::uint8_t>(w)});
      (c == 'd' ? seen_d : c == 'M' ? seen_m : seen_y)++;
      i = j;
    } else if (c == '\'') {
      std::size_t j = text.find('\'', i + 1);
      if (j == std::string_view::npos) return false;
      for (std::size_t k = i + 1; k < j; ++k) out.tokens.push_back({'L', text[k], 1});
      i = j + 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return false;  // an unknown letter is a typo, not a literal: quote literals
    } else {
      out.tokens.push_back({'L', c, 1});
      ++i;
    }
  }
  out.length = 0;
  out.fixed = true;
  out.day_at = out.month_at = out.year_at = -1;
  out.literals = 0;
  for (const auto& t : out.tokens) {
    if (out.length > 100) out.fixed = false;
    const auto at = static_cast<std::int8_t>(out.length);
    if (t.kind == 'L') {
      if (out.literals == sizeof out.literal_at) {
        out.fixed = false;
      } else {
        out.literal_at[out.literals] = static_cast<std::uint8_t>(out.length);
        out.literal_char[out.literals++] = t.literal;
      }
    } else {
      (t.kind == 'd' ? out.day_at : t.kind == 'M' ? out.month_at : out.year_at) = at;
    }
    out.length += t.width;
  }
  if (year_only) return seen_y == 1 && seen_d == 0 && seen_m == 0;
  return seen_y == 1 && seen_d == 1 && seen_m == 1;
}

namespace {

bool two_digits(const char* c, int& out) {
  const unsigned a = static_cast<unsigned char>(c[0]) - static_cast<unsigned>('0');
  const unsigned b = static_cast<unsigned char>(c[1]) - static_cast<unsigned>('0');
  if (a > 9 || b > 9) return false;
  out = static_cast<int>(a * 10 + b);
  return true;
}

}  // namespace

bool parse_date(std::string_view s, const DatePattern& p, Date& out) {
  // Every token has a fixed width: a text of another length cannot match.
  if (p.length && s.size() != p.length) return false;
  if (p.fixed && p.length) {
    const char* c = s.data();
    for (std::uint8_t i = 0; i < p.literals; ++i)
      if (c[p.literal_at[i]] != p.literal_char[i]) return false;
    Date d;
    int hi = 0, lo = 0;
    if (p.day_at >= 0 && !two_digits(c + p.day_at, d.day)) return false;
    if (p.month_at >= 0 && !two_digits(c + p.month_at, d.month)) return false;
    if (p.year_at >= 0) {
      if (!two_digits(c + p.year_at, hi) || !two_digits(c + p.year_at + 2, lo)) return false;
      d.year = hi * 100 + lo;
    }
    if (!valid(d)) return false;
    out = d;
    return true;
  }
  Date d;
  const char* c = s.data();
  const char* const end = c + s.size();
  for (const auto& t : p.tokens) {
    if (t.kind == 'L') {
      if (c == end || *c != t.literal) return false;
      ++c;
      continue;
    }
    if (end - c < t.width) return false;
    int v = 0;
    for (std::size_t k = 0; k < t.width; ++k) {
      const unsigned digit = static_cast<unsigned char>(c[k]) - static_cast<unsigned>('0');
      if (digit > 9) return false;
      v = v * 10 + static_cast<int>(digit);
    }
    c += t.width;
    (t.kind == 'd' ? d.day : t.kind == 'M' ? d.month : d.year) = v;
  }
  if (c != end || !valid(d)) return false;
  out = d;
  return true;
}

bool parse_iso_date(std::string_view s, bool partial, Date& out) {
  Date d;
  std::size_t i = 0;
  if (!read_number(s, i, 4, d.year)) return false;
  if (s.size() == 4) {
    if (!partial) return false;
    out = d;
    return valid(d);
  }
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  i = 5;
  if (!read_number(s, i, 2, d.month)) return false;
  i = 8;
  if (!read_number(s, i, 2, d.day) || !valid(d)) return false;
  out = d;
  return true;
}

std::size_t write_iso_date(const Date& d, char* buf) {
  std::size_t n = 0;
  put(buf, n, 11, d.year, 4);
  if (d.year_only()) return n;
  buf[n++] = '-';
  put(buf, n, 11, d.month, 2);
  buf[n++] = '-';
  put(buf, n, 11, d.day, 2);
  return n;
}

std::size_t write_date(const Date& d, const DatePattern& p, const DatePattern* year_only, char* buf,
                       std::size_t cap) {
  const DatePattern* use = &p;
  if (d.year_only()) {
    if (!year_only) {
      std::size_t n = 0;
      put(buf, n, cap, d.year, 4);
      return n;
    }
    use = year_only;
  }
  std::size_t n = 0;
  for (const auto& t : use->tokens) {
    if (t.kind == 'L') {
      if (n < cap) buf[n++] = t.literal;
    } else {
      put(buf, n, cap, t.kind == 'd' ? d.day : t.kind == 'M' ? d.month : d.year, t.width);
    }
  }
  return n;
}

bool parse_integer(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_decimal(std::string_view s, std::string_view& normalized) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
    if (frac_digits == 0) return false;
  }
  if (i != s.size() || int_digits == 0 || int_digits + frac_digits > 30) return false;
  normalized = s;
  return true;
}

bool check_identifier(FieldType kind, std::string_view s) {
  switch (kind) {
    case FieldType::cnie:
      return identifiers::valid_cnie(s);
    case FieldType::ice:
      return identifiers::valid_ice(s);
    case FieldType::fiscal_id:
      return identifiers::valid_if(s);
    case FieldType::rc:
      return identifiers::valid_rc(s);
    case FieldType::rib:
      return identifiers::valid_rib(s);
    default:
      return true;
  }
}

std::string check_literal(const CanonicalField& f, std::string_view text) {
  Date d;
  std::int64_t i = 0;
  std::string_view n;
  switch (f.type) {
    case FieldType::string:
      return {};
    case FieldType::enumeration:
      return f.allows(text) ? std::string()
                            : "'" + std::string(text) + "' is not one of its values";
    case FieldType::date:
      return parse_iso_date(text, f.partial, d) ? std::string()
                                                : "'" + std::string(text) + "' is not an ISO date";
    case FieldType::integer:
      return parse_integer(text, i) ? std::string()
                                    : "'" + std::string(text) + "' is not an integer";
    case FieldType::decimal:
      return parse_decimal(text, n) ? std::string()
                                    : "'" + std::string(text) + "' is not a decimal";
    case FieldType::boolean:
      return text == "true" || text == "false" ? std::string() : "a boolean is true or false";
    case FieldType::object:
    case FieldType::array:
      return "an object or array cannot be a literal";
    default:
      return check_identifier(f.type, text)
                 ? std::string()
                 : "'" + std::string(text) + "' is not a valid " + std::string(name_of(f.type));
  }
}

}  // namespace hub::mapping
