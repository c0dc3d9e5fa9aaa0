// DGI — Contribuables API v2, REST/JSON (shared/partners/dgi.md).
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "hub/exchange/adapter.hpp"

namespace adapters::dgi {
namespace {
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

class DgiAdapter final : public hub::exchange::Adapter {
 public:
  hub::Result<hub::http::Request> build(const Query& q) const override {
    const auto qv = [&](const char* k) {
      return boost::urls::encode(hub::exchange::require_param(q, k), boost::urls::unreserved_chars);
    };
    std::string target;
    if (q.operation == "taxpayer_by_if") {
      target = "/dgi/api/v2/contribuables/" +
               boost::urls::encode(hub::exchange::require_param(q, "if"), boost::urls::pchars);
    } else if (q.operation == "taxpayer_by_ice") {
      target = "/dgi/api/v2/contribuables?ice=" + qv("ice");
    } else if (q.operation == "taxpayer_by_cnie") {
      target = "/dgi/api/v2/contribuables?cnie=" + qv("cnie");
    } else {
      return hub::make_error(hub::Errc::internal, "dgi: unknown operation " + q.operation);
    }
    auto req = hub::exchange::make_request(bhttp::verb::get, std::move(target), q);
    req.set(bhttp::field::accept, "application/json");
    return req;
  }
};

const auto kRegistration = hub::exchange::registration<DgiAdapter>(
    "dgi", {"taxpayer_by_if", "taxpayer_by_ice", "taxpayer_by_cnie"});

}  // namespace
}  // namespace adapters::dgi
