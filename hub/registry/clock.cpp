#include "hub/registry/clock.hpp"

#include <chrono>
#include <cstdio>

namespace hub::registry {
namespace {

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

std::optional<Date> parse_date(std::string_view s, bool allow_year_only) {
  if (allow_year_only && s.size() == 4 && digits(s)) return Date{number(s), 1, 1};
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const auto y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
  if (!digits(y) || !digits(m) || !digits(d)) return std::nullopt;
  Date out{number(y), number(m), number(d)};
  if (out.year < 1800 || out.month < 1 || out.month > 12 || out.day < 1 ||
      out.day > days_in_month(out.year, out.month)) {
    return std::nullopt;
  }
  return out;
}

std::string format_date(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

// Howard Hinnant's days-from-civil algorithm, written out for our Date.
std::int64_t days_from_epoch(const Date& d) {
  const int y = d.month <= 2 ? d.year - 1 : d.year;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (d.month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + d.day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

Date date_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return Date{year, month, day};
}

Date birthday(const Date& birth, int years) {
  Date b{birth.year + years, birth.month, birth.day};
  if (b.month == 2 && b.day == 29 && !is_leap(b.year)) b = Date{b.year, 3, 1};
  return b;
}

int age_on(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (age > 0 && on < birthday(birth, age)) --age;
  return age < 0 ? 0 : age;
}

Date Clock::today() const {
  const std::int64_t ms = now_ms();
  return date_from_days(ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000);
}

std::int64_t SystemClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hub::registry
