// A broker over fake partners, for its unit tests and its micro-benchmark: each partner is an
// in-process server on loopback (real mutual TLS, the test PKI) that answers as its script says,
// asked through a fake adapter ("fake": GET /lookup?id=...) and read by the project's mappings.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/exchange/broker.hpp"
#include "hub/http/message.hpp"
#include "hub/http/server.hpp"
#include "hub/mapping/engine.hpp"

namespace broker_rig {

// What a fake partner answers to one request.
struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::chrono::milliseconds delay{0};  // before answering
  // Holds the answer until this many requests are in flight at once (or a second has passed):
  // a partner that answers only when the broker asks its partners concurrently.
  std::size_t answer_when_in_flight = 0;
  std::string retry_after;  // the Retry-After header ("": none)
};

using Script = std::function<Reply(const hub::http::Request&)>;

class FakePartner {
 public:
  explicit FakePartner(Script script);
  ~FakePartner();
  FakePartner(const FakePartner&) = delete;
  FakePartner& operator=(const FakePartner&) = delete;

  std::string url() const;
  void set_script(Script script);
  std::size_t calls() const { return calls_.load(); }
  std::size_t most_in_flight() const { return most_in_flight_.load(); }

 private:
  boost::asio::awaitable<hub::http::Response> answer(const hub::http::Request& req);

  boost::asio::io_context ioc_;
  hub::http::Metrics metrics_;
  hub::http::Server server_;
  hub::http::Principal principal_{"hub", {}};
  std::mutex mutex_;
  Script script_;
  std::atomic<std::size_t> calls_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> most_in_flight_{0};
  unsigned short port_ = 0;
  std::thread thread_;
};

// A DGI-shaped taxpayer (mappings/dgi/taxpayer.yaml reads it): a company named `name`.
std::string taxpayer_json(const std::string& fiscal_id, const std::string& ice,
                          const std::string& name);

// A partner endpoint of the fake adapter towards `server`: one attempt, the default cache.
hub::config::PartnerEndpoint partner(const std::string& name, const FakePartner& server);

// A recipe step: `as` asks `partner` for "lookup" with {id: id_template}, read by dgi.taxpayer.
hub::config::RecipeStep step(const std::string& as, const std::string& partner,
                             const std::string& id_template = "{id}");
// A recipe step of a real adapter: `operation` with {param: "{id}"}, read by `mapping`.
hub::config::RecipeStep step_of(const std::string& partner, const std::string& operation,
                                const std::string& param, const std::string& mapping);

// The broker of `config` (its partners and recipes), its pools and the project's mappings, driven
// on the calling thread.
class Rig {
 public:
  explicit Rig(hub::config::HubConfig config);
  ~Rig();

  hub::exchange::PrefillResult prefill(const std::string& recipe, const std::string& id,
                                       hub::exchange::Caller caller = {});
  // `n` prefills of the same query at the same time, on one thread.
  std::vector<hub::exchange::PrefillResult> prefill_together(const std::string& recipe,
                                                             const std::string& id, std::size_t n,
                                                             hub::exchange::Caller caller = {});
  hub::exchange::Broker& broker() { return *broker_; }
  std::string purpose = "AFFILIATION";  // the prefills' purpose

 private:
  boost::asio::io_context ioc_;
  hub::config::HubConfig config_;
  std::map<std::string, std::shared_ptr<hub::http::ClientPool>> pools_;
  std::unique_ptr<hub::exchange::Broker> broker_;
};

}  // namespace broker_rig
