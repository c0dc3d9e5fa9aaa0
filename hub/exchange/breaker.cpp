#include "hub/exchange/breaker.hpp"

#include <algorithm>
#include <functional>

namespace hub::exchange {

const char* CircuitBreaker::name(State s) {
  switch (s) {
    case State::closed:
      return "closed";
    case State::open:
      return "open";
    case State::half_open:
      return "half_open";
  }
  return "closed";
}

void CircuitBreaker::open(Clock::time_point now) {
  opened_with_.calls = window_.size();
  opened_with_.failures = failures_;
  opened_with_.last_failure = last_failure_;
  state_ = State::open;
  opened_at_ = now;
  probes_in_flight_ = 0;
  window_.clear();
  failures_ = 0;
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == State::open && now - opened_at_ >= s_.open_for) {
    state_ = State::half_open;
    probes_in_flight_ = 0;
  }
  switch (state_) {
    case State::closed:
      return true;
    case State::open:
      return false;
    case State::half_open:
      if (probes_in_flight_ >= s_.half_open_probes) return false;
      ++probes_in_flight_;
      return true;
  }
  return true;
}

// The window keeps the latest outcome of each key: an older sample of the same key leaves it.
void CircuitBreaker::add(Sample s) {
  if (s.key != 0) {
    auto same = std::find_if(window_.begin(), window_.end(),
                             [&](const Sample& w) { return w.key == s.key; });
    if (same != window_.end()) {
      failures_ -= same->failed ? 1 : 0;
      window_.erase(same);
    }
  }
  window_.push_back(s);
  failures_ += s.failed ? 1 : 0;
  if (window_.size() > s_.window) {
    failures_ -= window_.front().failed ? 1 : 0;
    window_.pop_front();
  }
}

void CircuitBreaker::record(std::string_view key, std::string_view failure, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const bool failed = !failure.empty();
  if (failed) last_failure_ = failure;
  if (state_ == State::half_open) {
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (failed) {
      // A probe failed: open again, and say so.
      window_.assign(1, Sample{0, true});
      failures_ = 1;
      open(now);
    } else if (probes_in_flight_ == 0) {
      // Every probe came back healthy: start afresh.
      state_ = State::closed;
      window_.clear();
      failures_ = 0;
    }
    return;
  }
  if (state_ == State::open) return;  // a call let through before the breaker opened
  const std::size_t hash =
      key.empty() ? 0 : std::max<std::size_t>(1, std::hash<std::string_view>{}(key));
  add({hash, failed});
  if (window_.size() >= s_.min_calls &&
      static_cast<double>(failures_) >= s_.failure_ratio * static_cast<double>(window_.size())) {
    open(now);
  }
}

void CircuitBreaker::abandon() {
  std::lock_guard lock(mutex_);
  if (state_ == State::half_open && probes_in_flight_ > 0) --probes_in_flight_;
}

CircuitBreaker::State CircuitBreaker::state_locked(Clock::time_point now) const {
  if (state_ == State::open && now - opened_at_ >= s_.open_for) return State::half_open;
  return state_;
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return state_locked(now);
}

std::chrono::milliseconds CircuitBreaker::retry_after_locked(Clock::time_point now) const {
  if (state_ != State::open) return std::chrono::milliseconds(0);
  const auto left = s_.open_for - (now - opened_at_);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

std::chrono::milliseconds CircuitBreaker::retry_after(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return retry_after_locked(now);
}

CircuitBreaker::Report CircuitBreaker::report(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Report r;
  r.state = state_locked(now);
  if (r.state == State::closed) {
    r.calls = window_.size();
    r.failures = failures_;
    if (failures_ > 0) r.last_failure = last_failure_;
  } else {
    r.calls = opened_with_.calls;
    r.failures = opened_with_.failures;
    r.last_failure = opened_with_.last_failure;
  }
  r.retry_after = retry_after_locked(now);
  return r;
}

}  // namespace hub::exchange
