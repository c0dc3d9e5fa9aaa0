// A partner adapter knows its partner's protocol: how to ask (the request as the contract says)
// and how to read the status of an answer. It never reads the answer's fields: the mapping
// engine does. Adapters register themselves by name (adapters/<partner>/); adding a partner adds a
// folder and a conf/ entry and touches nothing here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

// One adapter option (a key under partners.<name>.options in conf/hub.yaml), as `cnss-hub check`
// and serve validate it: its type, whether it is required or its default, and for an integer its
// inclusive range.
struct OptionSpec {
  enum class Type { string, integer, boolean };
  std::string name;
  Type type = Type::string;
  bool required = false;
  std::string default_value;  // given to the adapter when the option is absent ("": none)
  std::int64_t min = 0;       // integer only
  std::int64_t max = 0;       // integer only (min == max == 0: any integer)
};

// The options' kinds, as adapters declare them (no default: "").
OptionSpec string_option(std::string name, std::string default_value = "");
OptionSpec required_string_option(std::string name);
OptionSpec integer_option(std::string name, std::int64_t min, std::int64_t max,
                          std::string default_value = "");
OptionSpec boolean_option(std::string name, std::string default_value = "");

// What an adapter declares about itself: the operations a recipe may name, and its options.
struct AdapterSchema {
  std::vector<std::string> operations;
  std::vector<OptionSpec> options;
  bool has_operation(std::string_view op) const;
  const OptionSpec* option(std::string_view name) const;
};

// The catalog of adapters, by name: the one place the broker finds them. Each adapter's folder
// adds its own at static-initialisation time with one line, an AdapterRegistration (linked as an
// object library so that the linker keeps it).
class AdapterCatalog {
 public:
  static AdapterCatalog& instance();
  void add(std::string name, AdapterSchema schema, AdapterFactory factory);
  // The adapter for an endpoint, with its options' defaults filled in.
  Result<std::unique_ptr<Adapter>> make(const config::PartnerEndpoint& endpoint) const;
  const AdapterSchema* schema(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  struct Entry {
    AdapterSchema schema;
    AdapterFactory factory;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// `const AdapterRegistration kRegistration = registration<DgsnAdapter>("dgsn", {"identity"},
// {...});`: A is built from the partner's endpoint (its options validated and defaulted) when it
// takes one.
struct AdapterRegistration {
  AdapterRegistration(std::string name, AdapterSchema schema, AdapterFactory factory) {
    AdapterCatalog::instance().add(std::move(name), std::move(schema), std::move(factory));
  }
};

template <class A>
AdapterRegistration registration(std::string name, std::vector<std::string> operations,
                                 std::vector<OptionSpec> options = {}) {
  return {std::move(name), AdapterSchema{std::move(operations), std::move(options)},
          [](const config::PartnerEndpoint& e) -> Result<std::unique_ptr<Adapter>> {
            if constexpr (std::is_constructible_v<A, const config::PartnerEndpoint&>) {
              return std::unique_ptr<Adapter>(new A(e));
            } else {
              (void)e;
              return std::unique_ptr<Adapter>(new A());
            }
          }};
}

// Helpers for adapters.
std::string require_param(const Query& q, const std::string& key);
http::Request make_request(http::bhttp::verb method, std::string target, const Query& q);

}  // namespace hub::exchange
