#include "hub/jobs/cli.hpp"

#include <rapidjson/document.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "hub/core/version.hpp"
#include "hub/http/client.hpp"
#include "hub/http/url_client.hpp"

namespace hub::jobs {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

constexpr const char* kUsage =
    R"(Usage: cnss-hub jobs prefill FILE --url https://HOST:PORT --cert CERT --key KEY
         --ca CA --purpose PURPOSE [--kind person|employer] [--out RESULTS]
  Submits FILE (CSV, one CNIE or ICE a line with an optional header cnie or ice, or NDJSON
  {"cnie": ...} / {"ice": ...}) as a bulk prefill job (docs/jobs.md), shows its progress on
  standard error (a bar on a terminal) and writes the results, NDJSON in line order, to RESULTS
  or standard output. Exit status: 0 done, 1 failed, cancelled or refused, 2 bad usage.
)";

constexpr std::chrono::seconds kCallTimeout{60};
constexpr std::size_t kMaxAnswerBytes = 64u << 20;
constexpr const char* kPage = "2000";

const char* option(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return nullptr;
}

struct Hub {
  asio::io_context ioc;
  std::shared_ptr<http::ClientPool> pool;
  std::string prefix;  // the URL's path: the hub behind a proxy's prefix
};

Result<void> connect(Hub& hub, const std::string& url, const char* cert, const char* key,
                     const char* ca) {
  auto client = http::url_client(url, cert, key, ca, kCallTimeout, kMaxAnswerBytes);
  if (!client) return client.error();
  hub.pool = client->pool;
  hub.prefix = client->prefix;
  return {};
}

Result<http::Response> call(Hub& hub, http::Request req) {
  req.target(hub.prefix + std::string(req.target()));
  Result<http::Response> answer = make_error(Errc::timeout, "no answer from the hub");
  asio::co_spawn(
      hub.ioc,
      [&]() -> asio::awaitable<void> {
        answer = co_await hub.pool->request(std::move(req),
                                            std::chrono::steady_clock::now() + kCallTimeout);
      },
      asio::detached);
  hub.ioc.restart();
  hub.ioc.run();
  return answer;
}

Result<rapidjson::Document> job_of(const Result<http::Response>& r, unsigned expected) {
  if (!r) return r.error();
  if (r->result_int() != expected) {
    return make_error(Errc::invalid_input,
                      "the hub answered " + std::to_string(r->result_int()) + ": " + r->body());
  }
  rapidjson::Document d;
  d.Parse(r->body().c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("id")) {
    return make_error(Errc::malformed_response, "the hub's answer is not a job: " + r->body());
  }
  return d;
}

// "[#########...........]  45 %  4,500/10,000  1,500/s  ETA 3 s" on a terminal (redrawn in place);
// a plain line otherwise.
void show(const rapidjson::Document& j, bool tty) {
  const auto done = j["done"].GetInt64();
  const auto total = std::max<std::int64_t>(j["total"].GetInt64(), 1);
  const int percent = static_cast<int>(done * 100 / total);
  const std::string eta = j["eta_s"].IsInt64() ? std::to_string(j["eta_s"].GetInt64()) + " s" : "-";
  if (tty) {
    std::string bar(30, '.');
    std::fill_n(bar.begin(), percent * 30 / 100, '#');
    std::fprintf(stderr, "\r[%s] %3d %%  %lld/%lld  %.0f/s  ETA %s   ", bar.c_str(), percent,
                 static_cast<long long>(done), static_cast<long long>(total),
                 j["rate_per_s"].GetDouble(), eta.c_str());
  } else {
    std::fprintf(stderr, "progress: %lld/%lld (%d %%), %.0f lines/s, ETA %s, state %s\n",
                 static_cast<long long>(done), static_cast<long long>(total), percent,
                 j["rate_per_s"].GetDouble(), eta.c_str(), j["state"].GetString());
  }
}

// Every page of the results, following their Link headers, into `out`.
Result<void> write_results(Hub& hub, const std::string& id, std::ostream& out) {
  std::string target = "/v1/jobs/" + id + "/results?limit=" + kPage;
  while (!target.empty()) {
    auto r = call(hub, http::Request{bhttp::verb::get, target, 11});
    if (!r) return r.error();
    if (r->result_int() != 200) {
      return make_error(Errc::invalid_input,
                        "the hub answered " + std::to_string(r->result_int()) + ": " + r->body());
    }
    out << r->body();
    const std::string link((*r)[bhttp::field::link]);
    target = link.empty() ? "" : link.substr(1, link.find('>') - 1);
    // The Link names the hub's own path; the prefix is added again by call().
    if (!hub.prefix.empty() && target.starts_with(hub.prefix)) target.erase(0, hub.prefix.size());
  }
  out.flush();
  if (!out) return make_error(Errc::internal, "cannot write the results");
  return {};
}

int fail(const Error& e) {
  std::fprintf(stderr, "cnss-hub jobs prefill: %s\n", e.message.c_str());
  return 1;
}

// Submits the file, follows the job until it ends, writes its results.
int prefill(int argc, char** argv) {
  const char* url = option(argc, argv, "--url");
  const char* cert = option(argc, argv, "--cert");
  const char* key = option(argc, argv, "--key");
  const char* ca = option(argc, argv, "--ca");
  const char* purpose = option(argc, argv, "--purpose");
  if (argc < 3 || !url || !cert || !key || !ca || !purpose) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) return fail(make_error(Errc::invalid_input, std::string("cannot read ") + argv[2]));
  std::stringstream file;
  file << in.rdbuf();
  Hub hub;
  if (auto c = connect(hub, url, cert, key, ca); !c) return fail(c.error());
  const char* kind = option(argc, argv, "--kind");
  http::Request post{bhttp::verb::post,
                     std::string("/v1/jobs/prefill?kind=") + (kind ? kind : "person"), 11};
  post.set("X-Purpose", purpose);
  const bool ndjson = file.str().find_first_not_of(" \t\r\n") != std::string::npos &&
                      file.str()[file.str().find_first_not_of(" \t\r\n")] == '{';
  post.set(bhttp::field::content_type, ndjson ? "application/x-ndjson" : "text/csv");
  post.body() = file.str();
  auto job = job_of(call(hub, std::move(post)), 202);
  if (!job) return fail(job.error());
  const std::string id = (*job)["id"].GetString();
  std::fprintf(stderr, "job %s\n", id.c_str());
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  auto last_line = std::chrono::steady_clock::time_point{};
  std::string state = (*job)["state"].GetString();
  while (state == "receiving" || state == "queued" || state == "running") {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    job = job_of(call(hub, http::Request{bhttp::verb::get, "/v1/jobs/" + id, 11}), 200);
    if (!job) return fail(job.error());
    state = (*job)["state"].GetString();
    if (tty || std::chrono::steady_clock::now() - last_line >= std::chrono::seconds(5)) {
      show(*job, tty);
      last_line = std::chrono::steady_clock::now();
    }
  }
  if (tty) std::fputc('\n', stderr);
  show(*job, false);
  const char* out_file = option(argc, argv, "--out");
  std::ofstream out_stream;
  if (out_file) out_stream.open(out_file, std::ios::binary | std::ios::trunc);
  std::ostream& out = out_file ? static_cast<std::ostream&>(out_stream) : std::cout;
  if (auto w = write_results(hub, id, out); !w) return fail(w.error());
  return state == "done" ? 0 : 1;
}

}  // namespace

int run_cli(int argc, char** argv) {
  if (asks_for_help(argc, argv, 1) || argc < 2 || std::string_view(argv[1]) != "prefill") {
    std::fputs(kUsage, asks_for_help(argc, argv, 1) ? stdout : stderr);
    return asks_for_help(argc, argv, 1) ? 0 : 2;
  }
  return prefill(argc, argv);
}

}  // namespace hub::jobs
