// DGCT — État civil API v1, REST/JSON (shared/partners/dgct.md): the purpose in X-Motif.
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>

#include "hub/exchange/adapter.hpp"

namespace adapters::dgct {
namespace {
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

class DgctAdapter final : public hub::exchange::Adapter {
 public:
  hub::Result<hub::http::Request> build(const Query& q) const override {
    if (q.operation != "family") {
      return hub::make_error(hub::Errc::internal, "dgct: unknown operation " + q.operation);
    }
    const std::string cnie =
        boost::urls::encode(hub::exchange::require_param(q, "cnie"), boost::urls::pchars);
    auto req = hub::exchange::make_request(bhttp::verb::get,
                                           "/api/etat-civil/v1/personnes/" + cnie + "/famille", q);
    req.set("X-Motif", q.purpose);
    req.set(bhttp::field::accept, "application/json");
    return req;
  }
};

const auto kRegistration = hub::exchange::registration<DgctAdapter>("dgct", {"family"});

}  // namespace
}  // namespace adapters::dgct
