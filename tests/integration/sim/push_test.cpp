// cnss-sim push: at least once, out of order, retried until a 2xx, and written down. The
// receiver is a real mutual-TLS server in this test process that refuses a share of deliveries.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "hub/http/server.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"
#include "support/sim_process.hpp"

namespace ts = testing_support;
namespace asio = boost::asio;

namespace {

struct Receiver {
  asio::io_context ioc;
  hub::http::Metrics metrics;
  hub::http::Server server{ioc, {}, metrics};
  std::thread thread;
  unsigned short port = 0;
  std::mutex mutex;
  std::map<std::string, int> accepted;  // event id -> times it reached us and was acknowledged
  std::set<std::string> subjects;
  std::mt19937 rng{42};
  hub::http::Principal principal{"pusher", {}};

  explicit Receiver(const std::string& id_pattern) {
    auto ctx = hub::tls::make_server_context({ts::pki("hub/server.crt"),
                                              ts::pki("hub/server.key"),
                                              {ts::pki("ca/partners.crt")},
                                              {ts::pki("ca/partners.crl")}});
    hub::http::ListenerOptions o;
    o.name = "receiver";
    o.tls = *ctx;
    o.access_log = false;
    o.authenticate = [this](const hub::tls::PeerIdentity& id) {
      std::lock_guard lock(mutex);
      subjects.insert(id.subject);
      return &principal;
    };
    const std::regex re(id_pattern);
    o.handler = [this, re](const hub::http::Request& req,
                           hub::http::RequestContext&) -> asio::awaitable<hub::http::Response> {
      std::smatch m;
      const std::string body = req.body();
      if (!std::regex_search(body, m, re)) {
        co_return hub::http::json_response(400, R"({"error":"no id"})");
      }
      std::lock_guard lock(mutex);
      // One delivery in four fails as a busy server would: the pusher must try again.
      if (rng() % 4 == 0) co_return hub::http::json_response(503, R"({"error":"busy"})");
      const int seen = accepted[m[1]]++;
      co_return hub::http::json_response(seen == 0 ? 202 : 200, "{}");
    };
    port = *server.listen(std::move(o));
    thread = std::thread([this] { ioc.run(); });
  }
  ~Receiver() {
    ioc.stop();
    thread.join();
  }
};

struct Line {
  std::string id;
  bool duplicate;
  unsigned status;
  int attempts;
};

std::vector<Line> read_lines(const std::string& file) {
  std::vector<Line> out;
  std::ifstream in(file);
  std::string l;
  while (std::getline(in, l)) {
    out.push_back({ts::json_field(l, "id"), ts::json_field(l, "duplicate") == "true",
                   static_cast<unsigned>(std::stoul(ts::json_field(l, "status"))),
                   std::stoi(ts::json_field(l, "attempts"))});
  }
  return out;
}

void check_push(const std::string& partner, const std::string& id_pattern,
                const std::string& expected_subject) {
  Receiver receiver(id_pattern);
  const std::string dir = ts::temp_dir("cnss-push");
  const std::string config = dir + "/sim.yaml";
  std::ofstream(config) << ts::sim_test_config({});
  const std::string out = dir + "/sent.jsonl";
  auto r = ts::run_command({ts::binary_dir() + "/bin/cnss-sim", "push", partner, "--to",
                            "https://127.0.0.1:" + std::to_string(receiver.port), "--config",
                            config, "--count", "60", "--rate", "400", "--duplicates", "0.3",
                            "--shuffle", "0.5", "--out", out, "--stream-seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = read_lines(out);
  std::set<std::string> ids;
  int duplicates = 0, retried = 0;
  for (const auto& l : lines) {
    EXPECT_EQ(l.status / 100, 2u) << l.id;
    ids.insert(l.id);
    duplicates += l.duplicate;
    retried += l.attempts > 1;
  }
  EXPECT_EQ(ids.size(), 60u) << "every event is delivered";
  EXPECT_GT(duplicates, 0) << "at least once: some events are delivered twice";
  EXPECT_GT(retried, 0) << "refused deliveries are tried again";
  EXPECT_EQ(lines.size(), 60u + static_cast<unsigned>(duplicates));
  std::lock_guard lock(receiver.mutex);
  EXPECT_EQ(receiver.accepted.size(), 60u) << "the receiver saw every event";
  for (const auto& id : ids) EXPECT_GE(receiver.accepted[id], 1) << id;
  EXPECT_TRUE(receiver.subjects.contains(expected_subject));
  // Out of order: the delivered ids are not in their stream order.
  std::vector<std::string> order;
  for (const auto& l : lines) {
    if (!l.duplicate) order.push_back(l.id);
  }
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
}

TEST(Push, DgctCivilEventsAtLeastOnceOutOfOrder) {
  check_push("dgct", R"re("evenementId"\s*:\s*"([^"]+)")re", "CN=dgct-cnss-exchange,O=DGCT,C=MA");
}

TEST(Push, OmpicCompanyEventsAtLeastOnceOutOfOrder) {
  check_push("ompic", R"re(<[A-Za-z0-9]*:?EvenementRC[^>]*\sid="([^"]+)")re",
             "CN=ompic-cnss-exchange,O=OMPIC,C=MA");
}

TEST(Push, AnrcEligibilityChangesAtLeastOnceOutOfOrder) {
  check_push("anrc", R"re("idEvenement"\s*:\s*"([^"]+)")re", "CN=anrc-cnss-exchange,O=ANRC,C=MA");
}

}  // namespace
