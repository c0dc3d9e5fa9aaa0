// A real child process for integration tests: started with posix_spawn, its standard error read
// line by line, stopped with a signal (SIGTERM, or SIGKILL to test crashes).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

class Process {
 public:
  Process(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits until a line of standard error satisfies `pred`; returns it, or nullopt on timeout
  // or when the process exits first.
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds timeout);
  std::vector<std::string> lines() const;
  // Sends the signal and waits for the exit; returns the raw wait status.
  int stop(int signal);
  // Waits for the process to exit by itself; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  void reader();

  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
  std::optional<int> status_;
};

// Runs a command to completion, capturing standard output and error together (or standard
// output alone, standard error discarded).
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult run_command(const std::vector<std::string>& argv, bool with_stderr = true);

// The value of "key":"value" (or "key":number) in a JSON log line; empty when absent.
std::string json_field(const std::string& line, const std::string& key);

}  // namespace testing_support
