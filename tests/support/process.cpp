#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace testing_support {

Process::Process(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> env;
  for (auto& e : env_store) env.push_back(e.data());
  env.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  err_fd_ = fds[0];
  reader_ = std::thread([this] { reader(); });
}

Process::~Process() {
  if (running()) stop(SIGKILL);
  if (reader_.joinable()) reader_.join();
  if (err_fd_ >= 0) close(err_fd_);
}

void Process::reader() {
  std::string partial;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = read(err_fd_, buf.data(), buf.size());
    if (n <= 0) break;
    partial.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t pos;
    while ((pos = partial.find('\n')) != std::string::npos) {
      std::lock_guard lock(mutex_);
      lines_.push_back(partial.substr(0, pos));
      partial.erase(0, pos + 1);
      cv_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  if (!partial.empty()) lines_.push_back(partial);
  eof_ = true;
  cv_.notify_all();
}

std::optional<std::string> Process::wait_for_line(
    const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::size_t seen = 0;
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (; seen < lines_.size(); ++seen) {
      if (pred(lines_[seen])) return lines_[seen];
    }
    if (eof_) return std::nullopt;
    if (cv_.wait_until(lock, until) == std::cv_status::timeout) {
      for (; seen < lines_.size(); ++seen) {
        if (pred(lines_[seen])) return lines_[seen];
      }
      return std::nullopt;
    }
  }
}

std::vector<std::string> Process::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

bool Process::running() {
  if (status_ || pid_ <= 0) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

int Process::stop(int signal) {
  if (running()) {
    kill(pid_, signal);
    int st = 0;
    waitpid(pid_, &st, 0);
    status_ = st;
  }
  return status_.value_or(0);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

RunResult run_command(const std::vector<std::string>& argv, bool with_stderr) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += with_stderr ? "2>&1" : "2>/dev/null";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string json_field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  auto pos = line.find(k);
  if (pos == std::string::npos) return {};
  pos += k.size();
  if (pos < line.size() && line[pos] == '"') {
    const auto end = line.find('"', pos + 1);
    return line.substr(pos + 1, end - pos - 1);
  }
  const auto end = line.find_first_of(",}", pos);
  return line.substr(pos, end - pos);
}

}  // namespace testing_support
