#include "hub/core/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace hub::log {
namespace {
std::atomic<Level> g_min{Level::info};

const char* name_of(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}
}  // namespace

void set_min_level(Level level) {
  g_min.store(level);
}

std::string now_iso8601() {
  return iso8601(std::chrono::system_clock::now());
}

std::string iso8601(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void write_raw_line(std::string_view json_object) {
  std::string line(json_object);
  line.push_back('\n');
  // One write(2) per line: lines from several threads never interleave.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

void write(Level level, std::string_view msg,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  if (level < g_min.load(std::memory_order_relaxed)) return;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  const std::string ts = now_iso8601();
  w.Key("ts");
  w.String(ts.data(), static_cast<rapidjson::SizeType>(ts.size()));
  w.Key("level");
  w.String(name_of(level));
  w.Key("msg");
  w.String(msg.data(), static_cast<rapidjson::SizeType>(msg.size()));
  for (const auto& [k, v] : fields) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  write_raw_line({sb.GetString(), sb.GetSize()});
}

}  // namespace hub::log
