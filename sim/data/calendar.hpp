// Civil dates as day numbers, and the two wire formats the contracts use.
#pragma once

#include <string>

namespace sim {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Days since 1970-01-01 (negative before).
  int days() const;
  static Date from_days(int days);
  Date plus_days(int n) const { return from_days(days() + n); }
  // Same month and day, `n` years later (29 February becomes 28 February).
  Date plus_years(int n) const;
  friend bool operator==(const Date&, const Date&) = default;
};

inline bool operator<(const Date& a, const Date& b) {
  return a.days() < b.days();
}
inline bool operator<=(const Date& a, const Date& b) {
  return a.days() <= b.days();
}

// The fixed "today" of the synthetic world, so answers never change with the clock.
constexpr Date kReferenceDate{2026, 11, 27};

// Whole years from `birth` to `on`.
int age_on(const Date& birth, const Date& on);

void append_iso(std::string& out, const Date& d);  // YYYY-MM-DD
void append_dmy(std::string& out, const Date& d);  // dd/MM/yyyy
std::string iso(const Date& d);
std::string dmy(const Date& d);
// Zero-padded decimal of `width` digits at least.
void append_padded(std::string& out, unsigned long long v, int width);

}  // namespace sim
