// The registry's fact source, over the exchange broker: a registration asks the partners through
// the same recipes, cache, breakers and journal as a prefill.
#pragma once

#include "hub/exchange/broker.hpp"
#include "hub/registry/facts.hpp"

namespace hub::api {

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

}  // namespace hub::api
