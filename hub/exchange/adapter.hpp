// A partner adapter knows its partner's protocol: how to ask (the request as the contract says)
// and how to read the status of an answer. It never reads the answer's fields: the mapping
// engine does. Adapters register themselves by name (adapters/<partner>/); adding a partner adds a
// folder and a conf/ entry and touches nothing here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"
#include "hub/core/error.hpp"
#include "hub/http/message.hpp"

namespace hub::exchange {

struct Query {
  std::string operation;                      // e.g. identity, family, company_by_ice
  std::map<std::string, std::string> params;  // e.g. {cnie: BK123456}
  std::string purpose;                        // the legal purpose, where the partner asks for one
  std::string correlation_id;                 // a UUID, sent to the partner
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // The request for an operation; invalid_input for an operation or parameter it does not know.
  virtual Result<http::Request> build(const Query& q) const = 0;
  // The hub's error for an HTTP status whose body the mapping could not classify.
  virtual Error classify_status(unsigned status, std::string_view body) const;
  // The identifier a query is about (journal, cache key).
  virtual std::string identifier(const Query& q) const;
};

using AdapterFactory =
    std::function<Result<std::unique_ptr<Adapter>>(const config::PartnerEndpoint&)>;

// The catalog of adapters, by name: the one place the broker finds them. Each adapter's folder
// adds its own at static-initialisation time through an AdapterRegistration object (linked as an
// object library so that the linker keeps it).
class AdapterCatalog {
 public:
  static AdapterCatalog& instance();
  void add(std::string name, AdapterFactory factory);
  Result<std::unique_ptr<Adapter>> make(const config::PartnerEndpoint& endpoint) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, AdapterFactory, std::less<>> factories_;
};

struct AdapterRegistration {
  AdapterRegistration(std::string name, AdapterFactory factory) {
    AdapterCatalog::instance().add(std::move(name), std::move(factory));
  }
};

// Helpers for adapters.
std::string require_param(const Query& q, const std::string& key);
http::Request make_request(http::bhttp::verb method, std::string target, const Query& q);

}  // namespace hub::exchange
