#include "hub/exchange/breaker.hpp"

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
  state_ = State::open;
  opened_at_ = now;
  probes_in_flight_ = 0;
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

void CircuitBreaker::record(bool failure, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == State::half_open) {
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (failure) {
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
  window_.push_back(failure);
  failures_ += failure ? 1 : 0;
  if (window_.size() > s_.window) {
    failures_ -= window_.front() ? 1 : 0;
    window_.pop_front();
  }
  if (window_.size() >= s_.min_calls &&
      static_cast<double>(failures_) >= s_.failure_ratio * static_cast<double>(window_.size())) {
    open(now);
    window_.clear();
    failures_ = 0;
  }
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == State::open && now - opened_at_ >= s_.open_for) return State::half_open;
  return state_;
}

std::chrono::milliseconds CircuitBreaker::retry_after(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ != State::open) return std::chrono::milliseconds(0);
  const auto left = s_.open_for - (now - opened_at_);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

}  // namespace hub::exchange
