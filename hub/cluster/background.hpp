// The hub's periodic background work on one thread of its own, off the request path: each task
// runs at its period (a task that runs long delays the others, never a request).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hub::cluster {

class Background {
 public:
  Background() = default;
  // stop(), if not done.
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Adds a task, first run at once (before start(): not thread-safe).
  void every(std::string name, std::chrono::milliseconds period, std::function<void()> task);
  void start();
  // Waits for the task under way, then stops the thread.
  void stop();

 private:
  struct Task {
    std::string name;
    std::chrono::milliseconds period;
    std::function<void()> run;
    std::chrono::steady_clock::time_point next;
  };
  void loop();

  std::vector<Task> tasks_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hub::cluster
