// OMPIC — Registre de commerce central API v1, REST/XML (shared/partners/ompic.md).
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "hub/exchange/adapter.hpp"

namespace adapters::ompic {
namespace {
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

std::string seg(const std::string& s) {
  return boost::urls::encode(s, boost::urls::pchars);
}
std::string qv(const std::string& s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

class OmpicAdapter final : public hub::exchange::Adapter {
 public:
  hub::Result<hub::http::Request> build(const Query& q) const override {
    std::string target;
    if (q.operation == "company_by_ice") {
      target = "/rc/api/v1/entreprises?ice=" + qv(hub::exchange::require_param(q, "ice"));
    } else if (q.operation == "company_by_rc") {
      target = "/rc/api/v1/entreprises/" + seg(hub::exchange::require_param(q, "tribunal")) + "/" +
               seg(hub::exchange::require_param(q, "rc"));
    } else {
      return hub::make_error(hub::Errc::internal, "ompic: unknown operation " + q.operation);
    }
    auto req = hub::exchange::make_request(bhttp::verb::get, std::move(target), q);
    req.set(bhttp::field::accept, "application/xml");
    return req;
  }
};

const auto kRegistration =
    hub::exchange::registration<OmpicAdapter>("ompic", {"company_by_ice", "company_by_rc"});

}  // namespace
}  // namespace adapters::ompic
