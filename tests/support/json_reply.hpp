// What the registry's integration tests share: an HTTP answer with its JSON body parsed, a string
// read by JSON pointer, a valid RIB, random valid ICEs and a declaration month.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "support/tls_client.hpp"

namespace testing_support {

inline constexpr const char* kTestRib = "001810007800020110620318";

struct Reply {
  unsigned status = 0;  // 0: no answer
  rapidjson::Document body;
  std::string raw;
};

inline Reply reply_of(const Exchange& ex) {
  Reply r;
  if (!ex.response) return r;
  r.status = ex.response->result_int();
  r.raw = ex.response->body();
  r.body.Parse(r.raw.c_str());
  return r;
}

// The string at a JSON pointer, or "" when absent or not a string.
inline std::string str(const rapidjson::Value& v, const char* pointer) {
  const auto* x = rapidjson::Pointer(pointer).Get(v);
  return x && x->IsString() ? std::string(x->GetString()) : std::string();
}

// The simulators give identifiers whose digits end in 000, 996, 997, 998 or 999 a scripted
// failure (not found, 429, a 30 s delay, a malformed body, an internal error): tests that want an
// ordinary person draw around them.
inline bool reserved_by_simulators(std::uint64_t digits) {
  const auto last3 = digits % 1000;
  return last3 == 0 || last3 >= 996;
}

// A CNIE of an ordinary person of the synthetic world: `prefix` and six digits from `random`.
inline std::string ordinary_cnie(const std::string& prefix, std::uint64_t random) {
  std::uint64_t n = 100000 + random % 800000;
  while (reserved_by_simulators(n)) ++n;
  return prefix + std::to_string(n);
}

// A valid ICE (modulo-97 key) whose enterprise part comes from `random`, so runs never collide.
inline std::string random_ice(std::uint64_t random) {
  // Its enterprise part avoids the simulators' reserved suffixes (000, 996-999:
  // docs/simulators.md).
  std::uint64_t enterprise = 100000000 + random % 800000000;
  while (reserved_by_simulators(enterprise)) ++enterprise;
  std::string base = std::to_string(enterprise) + "0000";
  unsigned m = 0;
  for (char c : base) m = (m * 10 + static_cast<unsigned>(c - '0')) % 97;
  m = (m * 100) % 97;
  const unsigned key = (97 - m) % 97;
  return base + (key < 10 ? "0" : "") + std::to_string(key);
}

// "yyyy-MM" of the month `delta` months from this one (UTC): month(-1) is the month whose
// declaration is "last month's" (docs/partner-api.md).
inline std::string month(int delta) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(system_clock::now())};
  const auto m = year_month{today.year(), today.month()} + months{delta};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u", static_cast<int>(m.year()),
                static_cast<unsigned>(m.month()));
  return out;
}

}  // namespace testing_support
