#include "sim/push.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/http/client.hpp"
#include "hub/tls/context.hpp"
#include "sim/data/events.hpp"
#include "sim/partners.hpp"

namespace sim {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

struct Delivery {
  const Event* event;
  bool duplicate;
};

struct Outcome {
  std::string id;
  std::string type;
  bool duplicate = false;
  unsigned status = 0;
  int attempts = 0;
  std::string error;
};

std::vector<Delivery> plan(const std::vector<Event>& events, const PushOptions& o) {
  std::mt19937_64 g(o.stream_seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Delivery> out;
  for (const auto& e : events) {
    out.push_back({&e, false});
    if (u(g) < o.duplicate_rate) out.push_back({&e, true});
  }
  // Move a share of deliveries to a random later or earlier place: no order is guaranteed.
  const auto moves = static_cast<std::size_t>(o.shuffle * static_cast<double>(out.size()));
  for (std::size_t i = 0; i < moves && out.size() > 1; ++i) {
    std::uniform_int_distribution<std::size_t> pick(0, out.size() - 1);
    std::swap(out[pick(g)], out[pick(g)]);
  }
  return out;
}

std::string outcome_json(const Outcome& o) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("id");
  w.String(o.id.c_str());
  w.Key("type");
  w.String(o.type.c_str());
  w.Key("duplicate");
  w.Bool(o.duplicate);
  w.Key("status");
  w.Uint(o.status);
  w.Key("attempts");
  w.Int(o.attempts);
  if (!o.error.empty()) {
    w.Key("error");
    w.String(o.error.c_str());
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

}  // namespace

int push(const SimConfig& config, const PushOptions& o) {
  const SimulatedPartner* pusher = simulated_partner(o.partner);
  if (pusher == nullptr || pusher->events == nullptr) {
    std::fprintf(stderr, "cnss-sim push: '%s' pushes no events (%s do)\n", o.partner.c_str(),
                 simulated_partner_names(true).c_str());
    return 2;
  }
  auto id_it = config.push.find(o.partner);
  if (id_it == config.push.end()) {
    std::fprintf(stderr, "cnss-sim push: no push identity for '%s' in the configuration\n",
                 o.partner.c_str());
    return 2;
  }
  const Options world{config.seed, config.strict};
  const std::vector<Event> events = pusher->events(o.stream_seed, o.count, world);
  const std::vector<Delivery> deliveries = plan(events, o);

  auto tls =
      hub::tls::make_client_context({config.hub_ca, id_it->second.certificate, id_it->second.key});
  if (!tls) {
    std::fprintf(stderr, "cnss-sim push: %s\n", tls.error().message.c_str());
    return 2;
  }
  // Declared before the pool: the pool's idle connections hold sockets and timers of this
  // context, so the pool must be destroyed first (found by ASan: a use after free at exit).
  asio::io_context ioc;
  hub::http::ClientOptions co;
  co.name = "hub";
  co.base_url = o.to;
  co.server_name = "localhost";
  co.tls = *tls;
  co.max_connections = o.concurrency;
  co.request_timeout = std::chrono::seconds(10);
  auto pool = hub::http::ClientPool::create(co, nullptr);
  if (!pool) {
    std::fprintf(stderr, "cnss-sim push: %s\n", pool.error().message.c_str());
    return 2;
  }

  std::atomic<std::size_t> next{0};
  std::vector<Outcome> outcomes(deliveries.size());
  const auto started = Clock::now();
  const auto give_up =
      started + std::chrono::milliseconds(static_cast<long>(o.give_up_after_s * 1000));
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.rate > 0 ? 1.0 / o.rate : 0.0));

  auto worker = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::mt19937_64 jitter{std::random_device{}()};
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= deliveries.size()) co_return;
      // Pace deliveries: delivery i leaves no earlier than started + i * interval.
      timer.expires_at(started + interval * static_cast<long>(i));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      const Event& e = *deliveries[i].event;
      Outcome& out = outcomes[i];
      out.id = e.id;
      out.type = e.type;
      out.duplicate = deliveries[i].duplicate;
      auto backoff = std::chrono::milliseconds(100);
      for (;;) {
        ++out.attempts;
        hub::http::Request req{bhttp::verb::post, "/partner/v1/events", 11};
        req.set(bhttp::field::content_type, e.content_type);
        req.set("X-Correlation-ID", hub::new_uuid());
        req.body() = e.body;
        auto res =
            co_await (*pool)->request(std::move(req), Clock::now() + std::chrono::seconds(10));
        if (res && res->result_int() / 100 == 2) {
          out.status = res->result_int();
          out.error.clear();
          break;
        }
        out.status = res ? res->result_int() : 0;
        out.error = res ? res->body().substr(0, 200) : std::string(res.error().wire_code());
        if (res && res->result_int() == 400) break;  // the hub cannot read it: retrying won't help
        if (Clock::now() + backoff > give_up) break;
        timer.expires_after(backoff + std::chrono::milliseconds(jitter() % 50));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
  };
  for (std::size_t k = 0; k < std::max<std::size_t>(1, o.concurrency); ++k) {
    asio::co_spawn(ioc, worker(), asio::detached);
  }
  ioc.run();

  std::size_t delivered = 0;
  std::ofstream out;
  if (!o.out.empty()) out.open(o.out, std::ios::trunc);
  for (const auto& r : outcomes) {
    if (r.status / 100 == 2) ++delivered;
    if (out) out << outcome_json(r) << '\n';
  }
  std::printf(
      "{\"partner\":\"%s\",\"events\":%zu,\"deliveries\":%zu,\"delivered\":%zu,\"failed\":%zu,"
      "\"seconds\":%.3f}\n",
      o.partner.c_str(), events.size(), deliveries.size(), delivered, deliveries.size() - delivered,
      std::chrono::duration<double>(Clock::now() - started).count());
  return delivered == deliveries.size() ? 0 : 1;
}

}  // namespace sim
