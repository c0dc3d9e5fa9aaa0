// A real HAProxy (Debian's haproxy) for integration tests, in TCP mode: each frontend on a free
// loopback port, balancing over the given servers, so that every hub node still sees the
// client's own certificate. Servers checked with GET /readyz over TLS (the check presents a
// client certificate) leave the rotation while not ready; the same servers as backups (not
// checked) take the traffic when none is ready, so that clients get the hub's own 503 and its
// Retry-After rather than a closed connection. Its runtime API (the admin socket) can take a
// server out and cut its connections: what the tests use to make PostgreSQL unreachable.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace testing_support {

struct HaproxyFrontend {
  std::string name;
  std::vector<unsigned short> servers;  // loopback ports
  // Check /readyz with this client certificate (PEM: certificate then key); "": no check.
  std::string check_pem;
  // A frontend whose servers follow the health of another frontend's servers (same order).
  std::string track;
};

// A free TCP port on 127.0.0.1 (bound, then released: taken again by the caller soon after).
unsigned short free_port();

class HaproxyProcess {
 public:
  explicit HaproxyProcess(const std::vector<HaproxyFrontend>& frontends);
  ~HaproxyProcess();
  unsigned short port(const std::string& frontend) const { return ports_.at(frontend); }
  // A runtime API command ("set server pg/s1 state maint"); what HAProxy answered.
  std::string command(const std::string& line);
  const std::string& config_file() const { return config_; }
  // Whether haproxy is installed (scripts/setup.sh installs it).
  static bool available();

 private:
  std::string dir_;
  std::string config_;
  std::string socket_;
  std::map<std::string, unsigned short> ports_;
  std::unique_ptr<Process> process_;
};

// Concatenates a certificate and its key into one PEM file (what HAProxy's crt takes).
std::string pem_bundle(const std::string& dir, const std::string& certificate,
                       const std::string& key);

}  // namespace testing_support
