#include "sim/data/calendar.hpp"

namespace sim {

namespace {

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int month_length(int y, int m) {
  static constexpr int kLen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kLen[m - 1];
}

// Counting from a March-based year puts the leap day last, so the month offsets are fixed.
constexpr int kEpochShift = 719468;  // days from 0000-03-01 to 1970-01-01

}  // namespace

int Date::days() const {
  const int y = month <= 2 ? year - 1 : year;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int year_of_era = y - era * 400;
  const int shifted_month = month > 2 ? month - 3 : month + 9;
  const int day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - kEpochShift;
}

Date Date::from_days(int n) {
  n += kEpochShift;
  const int era = (n >= 0 ? n : n - 146096) / 146097;
  const int day_of_era = n - era * 146097;
  const int year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int shifted_month = (5 * day_of_year + 2) / 153;
  Date d;
  d.day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  d.month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  d.year = year_of_era + era * 400 + (d.month <= 2 ? 1 : 0);
  return d;
}

Date Date::plus_years(int n) const {
  Date d{year + n, month, day};
  if (d.day > month_length(d.year, d.month)) d.day = month_length(d.year, d.month);
  return d;
}

int age_on(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

void append_padded(std::string& out, unsigned long long v, int width) {
  char buf[24];
  int pos = 24;
  do {
    buf[--pos] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (24 - pos < width && pos > 0) buf[--pos] = '0';
  out.append(buf + pos, static_cast<std::size_t>(24 - pos));
}

void append_iso(std::string& out, const Date& d) {
  append_padded(out, static_cast<unsigned>(d.year), 4);
  out.push_back('-');
  append_padded(out, static_cast<unsigned>(d.month), 2);
  out.push_back('-');
  append_padded(out, static_cast<unsigned>(d.day), 2);
}

void append_dmy(std::string& out, const Date& d) {
  append_padded(out, static_cast<unsigned>(d.day), 2);
  out.push_back('/');
  append_padded(out, static_cast<unsigned>(d.month), 2);
  out.push_back('/');
  append_padded(out, static_cast<unsigned>(d.year), 4);
}

std::string iso(const Date& d) {
  std::string s;
  append_iso(s, d);
  return s;
}

std::string dmy(const Date& d) {
  std::string s;
  append_dmy(s, d);
  return s;
}

}  // namespace sim
