#include "hub/partner/quota.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace hub::partner {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::ceil<std::chrono::milliseconds>(b - a).count();
}

Error quota_exceeded(const std::string& what, std::int64_t retry_ms) {
  Error e = make_error(Errc::rate_limited, what, "quota_exceeded");
  e.retry_after = std::chrono::seconds(std::max<std::int64_t>(1, (retry_ms + 999) / 1000));
  return e;
}

// A batch larger than the whole day's quota can never be served, however long the partner waits:
// refused as too large (413), not rate-limited (429 with a Retry-After that would not help).
std::optional<Error> beyond_day(const agreements::Agreement& a, std::int64_t identifiers) {
  const auto per_day = static_cast<std::int64_t>(a.quota.per_day);
  if (identifiers <= per_day) return std::nullopt;
  Error e = make_error(Errc::payload_too_large,
                       "agreement '" + a.name + "': a batch of " + std::to_string(identifiers) +
                           " identifiers exceeds the agreement's daily quota of " +
                           std::to_string(per_day) + " identifiers in 24 hours; send at most " +
                           std::to_string(per_day) + " in one request",
                       "batch_exceeds_daily_quota");
  e.details_json = R"({"identifiers":)" + std::to_string(identifiers) + R"(,"per_day":)" +
                   std::to_string(per_day) + R"(,"max_batch":)" + std::to_string(per_day) + "}";
  return e;
}

}  // namespace

struct Quotas::Slice {
  std::mutex mutex;
  std::int64_t id = 0;  // the store's slice, to close with the next request; 0: none
  std::int64_t left = 0;
  std::int64_t used = 0;
  Clock::time_point asked_at{};
  Clock::time_point valid_until{};
  Clock::time_point last_use{};
};

Quotas::Window Quotas::per_second(double rate) {
  Window w;
  if (rate >= 1) {
    w.per_window = static_cast<std::int64_t>(std::floor(rate));
    w.window_ms = 1000;
  } else {
    w.per_window = 1;
    w.window_ms = static_cast<std::int64_t>(std::ceil(1000 / std::max(rate, 1e-6)));
  }
  // A tenth of a second's worth at a time, spent within half a second.
  w.batch = std::max<std::int64_t>(1, w.per_window / 10);
  w.lease_ms = 500;
  return w;
}

Quotas::Window Quotas::per_day(std::uint64_t per_day) {
  Window w;
  w.per_window = static_cast<std::int64_t>(per_day);
  w.window_ms = 86'400'000;
  // A thousandth of the day's at a time, spent within a minute: a node that stops loses at most
  // that.
  w.batch = std::clamp<std::int64_t>(w.per_window / 1000, 1, 1000);
  w.lease_ms = 60'000;
  return w;
}

Result<void> Quotas::take(const agreements::Agreement& a, std::int64_t identifiers) {
  if (auto never = beyond_day(a, identifiers)) return *never;
  // The store's error as it is; a full window with what is spent and when it frees.
  const auto named = [&a](Error e, const std::string& window) {
    if (e.detail == "quota_exceeded")
      e.message = "agreement '" + a.name + "': the quota " + window + " is spent";
    return e;
  };
  if (auto s = take_from("agreement:" + a.name + "/second", per_second(a.quota.per_second), 1);
      !s) {
    return named(s.error(), "per second");
  }
  if (auto d = take_from("agreement:" + a.name + "/day", per_day(a.quota.per_day), identifiers);
      !d) {
    return named(d.error(),
                 "per day (" + std::to_string(a.quota.per_day) + " identifiers in 24 hours)");
  }
  return {};
}

Result<void> Quotas::take_from(const std::string& key, const Window& w, std::int64_t n) {
  if (n > w.per_window) return quota_exceeded(key, w.window_ms);
  std::shared_ptr<Slice> slice;
  {
    std::lock_guard lock(mutex_);
    auto& s = slices_[key];
    if (!s) s = std::make_shared<Slice>();
    slice = s;
  }
  std::lock_guard lock(slice->mutex);
  const auto now = Clock::now();
  if (slice->left >= n && now < slice->valid_until) {
    slice->left -= n;
    slice->used += n;
    slice->last_use = now;
    return {};
  }
  store::QuotaRequest q;
  q.partner = key;
  q.node = node_;
  q.per_window = w.per_window;
  q.window_ms = w.window_ms;
  q.want = std::clamp<std::int64_t>(std::max(n, w.batch), 1, w.per_window);
  q.lease_ms = w.lease_ms;
  if (slice->id > 0) {
    // The previous slice, closed with what it used and an upper bound of when it used the last.
    q.close_id = slice->id;
    q.close_used = slice->used;
    q.close_after_ms = slice->used == 0 ? 0 : ms_between(slice->asked_at, slice->last_use) + 1;
  }
  auto grant = store_.lease_quota(q);
  if (!grant) return grant.error();
  // The previous slice is closed in the store: from now on, this one.
  slice->id = grant->id;
  slice->left = grant->tokens;
  slice->used = 0;
  slice->asked_at = now;
  slice->last_use = now;
  slice->valid_until = now + std::chrono::milliseconds(grant->lease_ms);
  if (grant->tokens < n) return refuse(key, q, *grant, *slice);
  slice->left -= n;
  slice->used = n;
  return {};
}

// Too few tokens for this request: what was granted goes back at once (closed unused, in a round
// trip that asks for nothing and says when the window frees), so that it does not keep another
// node's smaller request waiting.
Error Quotas::refuse(const std::string& key, store::QuotaRequest q, const store::QuotaGrant& grant,
                     Slice& slice) {
  std::int64_t retry_ms = grant.retry_in_ms;
  if (grant.tokens > 0) {
    q.want = 0;
    q.close_id = grant.id;
    q.close_used = 0;
    q.close_after_ms = 0;
    auto hint = store_.lease_quota(q);
    retry_ms = hint ? hint->retry_in_ms : 1000;
  }
  slice.id = 0;
  slice.left = 0;
  slice.used = 0;
  return quota_exceeded(key, retry_ms);
}

}  // namespace hub::partner
