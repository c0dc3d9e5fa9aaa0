#include "hub/http/fields.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <regex>
#include <sstream>

namespace hub::http {
namespace {

bool ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && ows(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// tchar (RFC 9110 section 5.6.2).
bool tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A token at the front of s, taken off it.
std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && tchar(s[n])) ++n;
  const auto t = s.substr(0, n);
  s.remove_prefix(n);
  return t;
}

// A quoted-string at the front of s (which starts with '"'), unescaped, taken off it.
std::optional<std::string> take_quoted(std::string_view& s) {
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.push_back(s[++i]);
    } else if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return out;
    } else {
      out.push_back(s[i]);
    }
  }
  return std::nullopt;
}

// RFC 9110 section 5.6.7's grammar for each form (case-sensitive), capturing day, month, year,
// hour, minute and second. std::get_time was not enough: libstdc++'s stops quietly where the
// input ends, so "Sun, 06 Nov 1994 GMT" would pass.
#define CNSS_MONTH "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
#define CNSS_TIME "([0-9]{2}):([0-9]{2}):([0-9]{2})"
const std::regex kImfFixdate("(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) " CNSS_MONTH
                             " ([0-9]{4}) " CNSS_TIME " GMT");
const std::regex kRfc850(
    "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    "([0-9]{2})-" CNSS_MONTH "-([0-9]{2}) " CNSS_TIME " GMT");
const std::regex kAsctime("(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) " CNSS_MONTH
                          " ( [0-9]|[0-9]{2}) " CNSS_TIME " ([0-9]{4})");
#undef CNSS_MONTH
#undef CNSS_TIME

unsigned month_number(const std::string& m) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  return static_cast<unsigned>(kMonths.find(m) / 3 + 1);
}

int number(const std::ssub_match& m) {
  const std::string s = m.str();
  return std::atoi(s.c_str());
}

}  // namespace

std::vector<std::string> list_members(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size()) {
      if (value[i] == '"' && (i == 0 || value[i - 1] != '\\')) quoted = !quoted;
      if (quoted || value[i] != ',') continue;
    }
    const auto member = trim(value.substr(start, i - start));
    if (!member.empty()) out.push_back(lower(member));
    start = i + 1;
  }
  return out;
}

std::optional<MediaType> media_type(std::string_view value) {
  std::string_view s = trim(value);
  const auto type = take_token(s);
  if (type.empty() || s.empty() || s.front() != '/') return std::nullopt;
  s.remove_prefix(1);
  const auto subtype = take_token(s);
  if (subtype.empty()) return std::nullopt;
  MediaType m;
  m.type = lower(type) + "/" + lower(subtype);
  for (;;) {
    s = trim(s);
    if (s.empty()) return m;
    if (s.front() != ';') return std::nullopt;
    s.remove_prefix(1);
    s = trim(s);
    if (s.empty() || s.front() == ';') continue;  // an empty parameter is allowed
    const auto name = take_token(s);
    if (name.empty() || s.empty() || s.front() != '=') return std::nullopt;
    s.remove_prefix(1);
    std::string v;
    if (!s.empty() && s.front() == '"') {
      auto q = take_quoted(s);
      if (!q) return std::nullopt;
      v = std::move(*q);
    } else {
      v = std::string(take_token(s));
      if (v.empty()) return std::nullopt;
    }
    if (lower(name) == "charset") m.charset = lower(v);
  }
}

std::optional<std::chrono::system_clock::time_point> http_date(
    std::string_view value, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  value = trim(value);
  const std::string v(value);
  std::smatch m;
  int y, mon, d, h, min, sec;
  if (std::regex_match(v, m, kImfFixdate)) {
    d = number(m[1]), mon = static_cast<int>(month_number(m[2])), y = number(m[3]);
    h = number(m[4]), min = number(m[5]), sec = number(m[6]);
  } else if (std::regex_match(v, m, kRfc850)) {
    d = number(m[1]), mon = static_cast<int>(month_number(m[2]));
    h = number(m[4]), min = number(m[5]), sec = number(m[6]);
    // A two-digit year more than 50 years ahead is the latest past year ending so.
    const int this_year = static_cast<int>(year_month_day(floor<days>(now)).year());
    y = this_year / 100 * 100 + number(m[3]);
    if (y > this_year + 50) y -= 100;
  } else if (std::regex_match(v, m, kAsctime)) {
    mon = static_cast<int>(month_number(m[1])), d = number(m[2]);
    h = number(m[3]), min = number(m[4]), sec = number(m[5]), y = number(m[6]);
  } else {
    return std::nullopt;
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mon)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || min > 59 || sec > 60) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(min) + seconds(sec);
}

std::string http_date_text(std::chrono::system_clock::time_point t, DateForm form) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << std::put_time(&tm, form == DateForm::imf_fixdate ? "%a, %d %b %Y %H:%M:%S GMT"
                            : form == DateForm::rfc850    ? "%A, %d-%b-%y %H:%M:%S GMT"
                                                          : "%a %b %e %H:%M:%S %Y");
  return out.str();
}

std::optional<std::chrono::seconds> retry_after(std::string_view value,
                                                std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (!value.empty() &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t s = 0;
    // More digits than an int64 holds: a delay longer than anyone will wait, kept as the largest.
    if (std::from_chars(value.data(), value.data() + value.size(), s).ec != std::errc())
      s = INT64_MAX / 2;
    return std::chrono::seconds(s);
  }
  const auto when = http_date(value, now);
  if (!when) return std::nullopt;
  if (*when <= now) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(*when - now);
}

bool accepts_coding(std::string_view accept_encoding, std::string_view coding) {
  std::optional<double> named, any;
  for (const auto& member : list_members(accept_encoding)) {
    std::string_view m = member;
    const auto semi = m.find(';');
    const auto name = trim(m.substr(0, semi));
    double q = 1;
    if (semi != std::string_view::npos) {
      auto params = trim(m.substr(semi + 1));
      if (params.starts_with("q=")) {
        params.remove_prefix(2);
        std::from_chars(params.data(), params.data() + params.size(), q);
      }
    }
    if (name == lower(coding)) named = q;
    if (name == "*") any = q;
  }
  return named.value_or(any.value_or(0)) > 0;
}

std::optional<std::int64_t> etag_version(std::string_view tag) {
  if (tag.size() < 3 || tag.size() >= 20 || tag.front() != '"' || tag.back() != '"') return {};
  std::int64_t n = 0;
  for (const char c : tag.substr(1, tag.size() - 2)) {
    if (c < '0' || c > '9') return {};
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace hub::http
