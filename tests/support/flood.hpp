// A pre-authentication flood for integration tests: TCP connections that never send a byte (no
// ClientHello), opened from chosen loopback source addresses, and opened again when the server
// closes them, as an attacker holding a listener's slots would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace testing_support {

struct FloodOptions {
  unsigned short port = 0;  // on 127.0.0.1
  std::size_t connections = 0;
  // Source addresses, used in turn (127.0.0.2, 127.0.0.3...: the whole of 127/8 is local on
  // Linux, so each is a distinct client address for the server).
  std::vector<std::string> sources = {"127.0.0.1"};
  bool reopen = true;  // open a connection again once the server has closed it
  // Sent once connected, then nothing more: "" for an idle flood; the first bytes of a TLS
  // record ("\x16\x03\x01") for one that stalls in the handshake.
  std::string first_bytes;
  std::chrono::milliseconds reopen_after{100};
};

// `count` loopback addresses from 127.0.0.`first` on (at most up to 127.0.0.254).
std::vector<std::string> loopback_sources(int first, int count);

class IdleFlood {
 public:
  explicit IdleFlood(FloodOptions options);  // starts at once, from a thread of its own
  ~IdleFlood();                              // stop()
  IdleFlood(const IdleFlood&) = delete;
  IdleFlood& operator=(const IdleFlood&) = delete;

  // Connections established and not (yet) closed by the server.
  std::size_t open() const;
  // Connections the server has closed (refused, evicted or timed out) or failed to take so far.
  std::size_t closed_by_server() const;
  // Waits until open() >= n; false when `within` passes first.
  bool wait_open(std::size_t n, std::chrono::milliseconds within) const;
  // Closes every connection and stops reopening them.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The resident set size of a process (VmRSS in /proc/<pid>/status), in KiB; 0 when unreadable.
std::size_t resident_kib(pid_t pid);

// Raises this process's soft limit of open files to its hard limit (children inherit it).
void raise_open_file_limit();

}  // namespace testing_support
