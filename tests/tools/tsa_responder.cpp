// cnss-test-tsa: a local RFC 3161 Time Stamping Authority for tests, over plain HTTP on loopback
// (RFC 3161 3.4). Each POSTed TimeStampReq is answered by the openssl CLI (`openssl ts -reply`)
// with the TSA key, certificate and configuration in --dir (tests/support/tsa.hpp makes them).
// Logs {"msg":"listening","port":N} on standard error once it accepts connections.
//   cnss-test-tsa --dir DIR [--status CODE]   (--status: answer every request with CODE instead)
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string arg(int argc, char** argv, std::string_view name, std::string fallback = "") {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return fallback;
}

// The TimeStampResp openssl makes for `query`, or "" when it fails.
std::string reply(const std::string& dir, const std::string& query, int n) {
  const std::string in = dir + "/query-" + std::to_string(n) + ".tsq";
  const std::string out = dir + "/reply-" + std::to_string(n) + ".tsr";
  std::ofstream(in, std::ios::binary) << query;
  const std::string cmd = "openssl ts -reply -config '" + dir + "/tsa.cnf' -queryfile '" + in +
                          "' -out '" + out + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  std::ifstream r(out, std::ios::binary);
  return {std::istreambuf_iterator<char>(r), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = arg(argc, argv, "--dir");
  const int forced = std::atoi(arg(argc, argv, "--status", "0").c_str());
  if (dir.empty()) {
    std::fprintf(stderr, "usage: cnss-test-tsa --dir DIR [--status CODE]\n");
    return 2;
  }
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::fprintf(stderr, "{\"msg\":\"listening\",\"port\":%u}\n", acceptor.local_endpoint().port());
  std::fflush(stderr);
  for (int n = 1;; ++n) {
    asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    http::response<http::string_body> res{http::status::ok, req.version()};
    std::string body = forced == 0 ? reply(dir, req.body(), n) : std::string();
    if (forced != 0) {
      res.result(static_cast<unsigned>(forced));
    } else if (body.empty()) {
      res.result(http::status::internal_server_error);
    } else {
      res.set(http::field::content_type, "application/timestamp-reply");
      res.body() = std::move(body);
    }
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    std::fprintf(stderr, "{\"msg\":\"answered\",\"status\":%u}\n", res.result_int());
    std::fflush(stderr);
  }
}
