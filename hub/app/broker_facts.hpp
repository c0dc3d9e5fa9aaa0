// The registry's fact source, over the exchange broker: a registration asks the partners through
// the same recipes, cache, breakers and journal as a prefill. Each step of the broker's typed
// result becomes the section of its `as:` name, its mapped answer read once.
#pragma once

#include "hub/exchange/broker.hpp"
#include "hub/registry/facts.hpp"

namespace hub::app {

// The facts a prefill gave, by section: each step's mapped answer, parsed once, with its
// provenance and source paths (ok); the partner's own "unknown" (not_found); the hub's fault, a
// mapping missing (misconfigured, internal); any other failure (unavailable). When no step
// answered at all: the hub's fault if a step had one, else not_found when every partner said
// so, rate_limited when every partner rationed, partner_unavailable otherwise.
Result<registry::Facts> facts_of(const exchange::PrefillResult& r);

class BrokerFacts final : public registry::FactSource {
 public:
  explicit BrokerFacts(exchange::Broker& broker) : broker_(broker) {}

  boost::asio::awaitable<Result<registry::Facts>> person(std::string cnie, std::string purpose,
                                                         std::string category,
                                                         std::string correlation_id) override;
  boost::asio::awaitable<Result<registry::Facts>> employer(std::string ice,
                                                           std::string correlation_id) override;

 private:
  boost::asio::awaitable<Result<registry::Facts>> ask(exchange::PrefillRequest request,
                                                      std::string correlation_id);
  exchange::Broker& broker_;
};

}  // namespace hub::app
