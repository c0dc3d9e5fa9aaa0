// Calendar dates and the clock that says what "today" is: injectable, so that tests pin it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hub::registry {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  friend bool operator==(const Date&, const Date&) = default;
  friend auto operator<=>(const Date&, const Date&) = default;
};

// "YYYY-MM-DD", a real calendar day; with allow_year_only also "YYYY" (a birth date known only
// by its year, as DGSN and DGCT may send it), read as 1 January of that year.
std::optional<Date> parse_date(std::string_view s, bool allow_year_only = false);
std::string format_date(const Date& d);
// Days since 1970-01-01 (negative before), and back.
std::int64_t days_from_epoch(const Date& d);
Date date_from_days(std::int64_t days);
// Whole years completed at `on` by someone born on `birth` (a birthday on 29 February falls on
// 1 March in common years).
int age_on(const Date& birth, const Date& on);
// The date of the birthday on which `birth` reaches `years`.
Date birthday(const Date& birth, int years);

class Clock {
 public:
  virtual ~Clock() = default;
  // UTC, milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
  Date today() const;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
};

// A clock that moves only when told: tests pin "today" with it.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::int64_t now_ms) : now_(now_ms) {}
  explicit FixedClock(const Date& today) : now_(days_from_epoch(today) * 86400000 + 43200000) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t now_ms) { now_ = now_ms; }
  void set(const Date& today) { now_ = days_from_epoch(today) * 86400000 + 43200000; }
  void advance_ms(std::int64_t ms) { now_ += ms; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace hub::registry
