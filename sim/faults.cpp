#include "sim/faults.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sim {
namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g{std::random_device{}()};
  return g;
}

bool chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(rng()) < p;
}

}  // namespace

bool FaultState::any(const Faults& f) {
  return f.latency_ms > 0 || (f.jitter != "none" && f.jitter_ms > 0) || f.error_rate > 0 ||
         f.malformed_rate > 0 || f.reset_rate > 0 || f.slow_body_rate > 0 || f.bomb_rate > 0 ||
         f.invisible_marks_rate > 0 || f.split_text_rate > 0 || f.encoding != "identity" ||
         f.retry_after != "seconds" || f.retry_after_s != 1;
}

FaultDraw FaultState::draw() {
  if (!active_.load(std::memory_order_relaxed)) return {};
  const Faults f = get();
  FaultDraw d;
  double ms = f.latency_ms;
  if (f.jitter == "uniform" && f.jitter_ms > 0) {
    ms += std::uniform_real_distribution<double>(0, f.jitter_ms)(rng());
  } else if (f.jitter == "exponential" && f.jitter_ms > 0) {
    ms += std::exponential_distribution<double>(1.0 / f.jitter_ms)(rng());
  }
  d.delay = std::chrono::milliseconds(static_cast<long>(ms));
  d.reset = chance(f.reset_rate);
  d.error = !d.reset && chance(f.error_rate);
  d.malformed = !d.reset && !d.error && chance(f.malformed_rate);
  d.slow_body = chance(f.slow_body_rate);
  d.slow_body_pause = std::chrono::milliseconds(static_cast<long>(f.slow_body_ms));
  d.bomb = !d.reset && chance(f.bomb_rate);
  d.invisible_marks = chance(f.invisible_marks_rate);
  d.split_text = chance(f.split_text_rate);
  d.encoding = f.encoding;
  d.retry_after = f.retry_after;
  d.retry_after_s = f.retry_after_s;
  return d;
}

Faults FaultState::get() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

hub::Result<void> FaultState::update_from_json(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return hub::make_error(hub::Errc::invalid_input, "the body must be a JSON object");
  }
  Faults f = get();
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key = it->name.GetString();
    const auto& v = it->value;
    if (key == "jitter" || key == "encoding" || key == "retry_after") {
      const std::string s = v.IsString() ? v.GetString() : "";
      const std::vector<std::string> allowed =
          key == "jitter" ? std::vector<std::string>{"none", "uniform", "exponential"}
          : key == "encoding"
              ? std::vector<std::string>{"identity", "gzip", "deflate", "deflate_raw"}
              : std::vector<std::string>{"seconds", "imf_fixdate", "rfc850", "asctime"};
      if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return hub::make_error(hub::Errc::invalid_input, "/" + key + ": must be one of " + list);
      }
      (key == "jitter" ? f.jitter : key == "encoding" ? f.encoding : f.retry_after) = s;
      continue;
    }
    if (key == "retry_after_s") {
      if (!v.IsNumber() || std::abs(v.GetDouble()) > 86'400) {
        return hub::make_error(hub::Errc::invalid_input,
                               "/retry_after_s: must be a number of seconds within a day");
      }
      f.retry_after_s = v.GetDouble();
      continue;
    }
    double* target = key == "latency_ms"             ? &f.latency_ms
                     : key == "jitter_ms"            ? &f.jitter_ms
                     : key == "error_rate"           ? &f.error_rate
                     : key == "malformed_rate"       ? &f.malformed_rate
                     : key == "reset_rate"           ? &f.reset_rate
                     : key == "slow_body_rate"       ? &f.slow_body_rate
                     : key == "slow_body_ms"         ? &f.slow_body_ms
                     : key == "bomb_rate"            ? &f.bomb_rate
                     : key == "invisible_marks_rate" ? &f.invisible_marks_rate
                     : key == "split_text_rate"      ? &f.split_text_rate
                                                     : nullptr;
    if (target == nullptr) {
      return hub::make_error(hub::Errc::invalid_input, "/" + key + ": unknown fault setting");
    }
    if (!v.IsNumber() || v.GetDouble() < 0 || (key.ends_with("_rate") && v.GetDouble() > 1)) {
      return hub::make_error(hub::Errc::invalid_input,
                             "/" + key + ": must be a number" +
                                 (key.ends_with("_rate") ? " between 0 and 1" : " >= 0"));
    }
    *target = v.GetDouble();
  }
  std::lock_guard lock(mutex_);
  faults_ = f;
  active_ = any(f);
  return {};
}

std::string FaultState::to_json() const {
  const Faults f = get();
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("latency_ms");
  w.Double(f.latency_ms);
  w.Key("jitter");
  w.String(f.jitter.c_str());
  w.Key("jitter_ms");
  w.Double(f.jitter_ms);
  w.Key("error_rate");
  w.Double(f.error_rate);
  w.Key("malformed_rate");
  w.Double(f.malformed_rate);
  w.Key("reset_rate");
  w.Double(f.reset_rate);
  w.Key("slow_body_rate");
  w.Double(f.slow_body_rate);
  w.Key("slow_body_ms");
  w.Double(f.slow_body_ms);
  w.Key("encoding");
  w.String(f.encoding.c_str());
  w.Key("bomb_rate");
  w.Double(f.bomb_rate);
  w.Key("retry_after");
  w.String(f.retry_after.c_str());
  w.Key("retry_after_s");
  w.Double(f.retry_after_s);
  w.Key("invisible_marks_rate");
  w.Double(f.invisible_marks_rate);
  w.Key("split_text_rate");
  w.Double(f.split_text_rate);
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

void Counters::count(const std::string& kind, std::string_view id) {
  std::lock_guard lock(mutex_);
  ++by_kind_[kind];
  if (id.empty()) return;
  auto it = by_id_.find(id);
  if (it != by_id_.end()) {
    ++it->second;
  } else if (by_id_.size() < kMaxIdentifiers) {
    by_id_.emplace(std::string(id), 1);
  }
}

std::uint64_t Counters::for_identifier(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? 0 : it->second;
}

void Counters::reset() {
  std::lock_guard lock(mutex_);
  by_kind_.clear();
  by_id_.clear();
}

std::string Counters::to_json() const {
  std::lock_guard lock(mutex_);
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  std::uint64_t total = 0;
  for (const auto& [k, v] : by_kind_) {
    w.Key(k.c_str());
    w.Uint64(v);
    total += v;
  }
  w.Key("total");
  w.Uint64(total);
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

bool RateLimiter::allow(const std::string& client) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{limit_.burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(limit_.burst, b.tokens + elapsed * limit_.per_second);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace sim
