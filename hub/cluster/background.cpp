#include "hub/cluster/background.hpp"

#include <algorithm>

namespace hub::cluster {

Background::~Background() {
  stop();
}

void Background::every(std::string name, std::chrono::milliseconds period,
                       std::function<void()> task) {
  tasks_.push_back({std::move(name), period, std::move(task), std::chrono::steady_clock::now()});
}

void Background::start() {
  if (!tasks_.empty()) thread_ = std::thread([this] { loop(); });
}

void Background::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Background::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = std::min_element(tasks_.begin(), tasks_.end(),
                                 [](const Task& a, const Task& b) { return a.next < b.next; });
    if (wake_.wait_until(lock, next->next, [&] { return stopping_; })) break;
    next->next = std::chrono::steady_clock::now() + next->period;
    lock.unlock();
    next->run();
    lock.lock();
  }
}

}  // namespace hub::cluster
