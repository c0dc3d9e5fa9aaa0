#include "support/haproxy_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/pki.hpp"

namespace testing_support {
namespace {

bool accepts(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string config_text(const std::vector<HaproxyFrontend>& frontends,
                        const std::map<std::string, unsigned short>& ports,
                        const std::string& socket) {
  std::ostringstream c;
  c << "global\n  maxconn 4096\n  stats socket " << socket << " mode 600 level admin\n"
    << "defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1h\n  timeout server 1h\n"
    << "  timeout check 2s\n  retries 3\n  option redispatch\n";
  for (const auto& f : frontends) {
    c << "frontend " << f.name << "\n  bind 127.0.0.1:" << ports.at(f.name) << "\n"
      << "  default_backend " << f.name << "\n"
      << "backend " << f.name << "\n  balance roundrobin\n";
    if (!f.check_pem.empty()) c << "  option httpchk GET /readyz\n  http-check expect status 200\n";
    for (std::size_t i = 0; i < f.servers.size(); ++i) {
      const std::string name = "n" + std::to_string(i + 1);
      c << "  server " << name << " 127.0.0.1:" << f.servers[i];
      if (!f.check_pem.empty()) {
        c << " check check-ssl verify none crt " << f.check_pem << " inter 300ms fall 2 rise 2";
      } else if (!f.track.empty()) {
        c << " track " << f.track << "/" << name;
      }
      c << "\n";
    }
    if (!f.check_pem.empty() || !f.track.empty()) {
      for (std::size_t i = 0; i < f.servers.size(); ++i) {
        c << "  server b" << i + 1 << " 127.0.0.1:" << f.servers[i] << " backup\n";
      }
    }
  }
  return c.str();
}

}  // namespace

unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool HaproxyProcess::available() {
  return std::filesystem::exists("/usr/sbin/haproxy");
}

std::string pem_bundle(const std::string& dir, const std::string& certificate,
                       const std::string& key) {
  const std::string out = dir + "/" + std::filesystem::path(certificate).stem().string() + ".pem";
  std::ofstream o(out);
  o << std::ifstream(certificate).rdbuf() << std::ifstream(key).rdbuf();
  std::filesystem::permissions(
      out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return out;
}

HaproxyProcess::HaproxyProcess(const std::vector<HaproxyFrontend>& frontends) {
  dir_ = temp_dir("cnss-haproxy-test");
  config_ = dir_ + "/haproxy.cfg";
  socket_ = dir_ + "/admin.sock";
  for (const auto& f : frontends) ports_[f.name] = free_port();
  std::ofstream(config_) << config_text(frontends, ports_, socket_);
  auto check = run_command({"/usr/sbin/haproxy", "-c", "-q", "-f", config_});
  if (check.exit_code != 0)
    throw std::runtime_error("haproxy refuses its config:\n" + check.output);
  // -db: in the foreground, not a daemon, so that the test owns the process.
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", config_});
  for (int i = 0; i < 100; ++i) {
    bool all = true;
    for (const auto& [name, port] : ports_) all = all && accepts(port);
    if (all) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("haproxy did not start");
}

HaproxyProcess::~HaproxyProcess() {
  if (process_) process_->stop(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string HaproxyProcess::command(const std::string& line) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", socket_.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "cannot reach the admin socket";
  }
  const std::string text = line + "\n";
  (void)::write(fd, text.data(), text.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace testing_support
