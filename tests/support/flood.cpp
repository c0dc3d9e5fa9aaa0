#include "support/flood.hpp"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <list>
#include <thread>

namespace testing_support {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct IdleFlood::Impl {
  FloodOptions options;
  asio::io_context ioc;
  std::list<tcp::socket> sockets;  // stable addresses: each slot's coroutine keeps its own
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> closed_by_server{0};
  std::atomic<bool> stopping{false};
  std::thread thread;

  // One slot: connect, wait until the server closes (a read that ends), reopen after a pause.
  asio::awaitable<void> slot(tcp::socket& socket, tcp::endpoint source, tcp::endpoint target) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    asio::steady_timer pause(ioc);
    while (!stopping) {
      boost::system::error_code ec;
      socket.open(tcp::v4(), ec);
      if (!ec) socket.bind(source, ec);
      if (!ec) std::tie(ec) = co_await socket.async_connect(target, tuple);
      if (ec && ec != asio::error::operation_aborted) {
        ++closed_by_server;  // reset before the connect's completion was seen
      } else if (!ec) {
        if (!options.first_bytes.empty()) {
          std::tie(ec, std::ignore) =
              co_await asio::async_write(socket, asio::buffer(options.first_bytes), tuple);
        }
        ++open;
        char byte = 0;
        auto [rec, n] = co_await socket.async_read_some(asio::buffer(&byte, 1), tuple);
        --open;
        if (rec != asio::error::operation_aborted) ++closed_by_server;
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      if (!options.reopen) co_return;
      pause.expires_after(options.reopen_after);
      co_await pause.async_wait(tuple);
    }
  }
};

std::vector<std::string> loopback_sources(int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count && i <= 254; ++i) {
    out.push_back("127.0.0." + std::to_string(i));
  }
  return out;
}

IdleFlood::IdleFlood(FloodOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  const tcp::endpoint target(asio::ip::make_address("127.0.0.1"), impl_->options.port);
  for (std::size_t i = 0; i < impl_->options.connections; ++i) {
    const auto& from = impl_->options.sources[i % impl_->options.sources.size()];
    auto& socket = impl_->sockets.emplace_back(impl_->ioc);
    asio::co_spawn(impl_->ioc,
                   impl_->slot(socket, tcp::endpoint(asio::ip::make_address(from), 0), target),
                   asio::detached);
  }
  impl_->thread = std::thread([impl = impl_] { impl->ioc.run(); });
}

IdleFlood::~IdleFlood() {
  stop();
}

std::size_t IdleFlood::open() const {
  return impl_->open.load();
}

std::size_t IdleFlood::closed_by_server() const {
  return impl_->closed_by_server.load();
}

bool IdleFlood::wait_open(std::size_t n, std::chrono::milliseconds within) const {
  const auto until = std::chrono::steady_clock::now() + within;
  while (open() < n) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void IdleFlood::stop() {
  if (!impl_->thread.joinable()) return;
  // Every slot then ends its loop: its pending operation is aborted, or its pause runs out.
  impl_->stopping = true;
  asio::post(impl_->ioc, [impl = impl_] {
    for (auto& s : impl->sockets) {
      boost::system::error_code ignored;
      s.close(ignored);
    }
  });
  impl_->thread.join();
}

std::size_t resident_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

void raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace testing_support
