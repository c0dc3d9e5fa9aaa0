// Structured logging: one JSON object per line on standard error. Never log personal data: the
// callers mask identifiers (hub/core/ids.hpp) before they reach a log line.
#pragma once

#include <chrono>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hub::log {

enum class Level { debug, info, warn, error };

void set_min_level(Level level);

// Writes {"ts":..., "level":..., "msg":..., key: value, ...} atomically (one write per line).
void write(Level level, std::string_view msg,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});

inline void info(std::string_view msg,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::info, msg, f);
}
inline void warn(std::string_view msg,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::warn, msg, f);
}
inline void error(std::string_view msg,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::error, msg, f);
}

// Writes a line that the caller already rendered as a JSON object (the access log).
void write_raw_line(std::string_view json_object);

// ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-27T02:28:10.123Z.
std::string now_iso8601();
// The same for any time.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace hub::log
