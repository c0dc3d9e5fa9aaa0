// ANRC — Registre Social Unifié API v1, REST/JSON (shared/partners/anrc.md): the household of a
// person, with the legal purpose in X-Finalite.
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <optional>
#include <string_view>

#include "hub/exchange/adapter.hpp"

namespace adapters::anrc {
namespace {
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

// ANRC's finalités are AMO_TADAMON and CONTROLE (anrc.md). The hub's purpose IMMATRICULATION is,
// towards ANRC, an AMO Tadamon registration: the only registration the person recipe asks ANRC
// about (only_for_categories: [AMO_TADAMON]). Any other purpose is refused without a call.
std::optional<std::string_view> finalite_of(std::string_view purpose) {
  if (purpose == "IMMATRICULATION" || purpose == "AMO_TADAMON") return "AMO_TADAMON";
  if (purpose == "CONTROLE") return "CONTROLE";
  return std::nullopt;
}

class AnrcAdapter final : public hub::exchange::Adapter {
 public:
  // operation household {cnie}: GET /rsu/api/v1/menages?cnie=...
  hub::Result<hub::http::Request> build(const Query& q) const override {
    if (q.operation != "household") {
      return hub::make_error(hub::Errc::internal, "anrc: unknown operation " + q.operation);
    }
    const auto finalite = finalite_of(q.purpose);
    if (!finalite) {
      return hub::make_error(
          hub::Errc::forbidden_purpose,
          "anrc: the purpose '" + q.purpose + "' has no ANRC finalité (AMO_TADAMON, CONTROLE)");
    }
    auto req = hub::exchange::make_request(
        bhttp::verb::get,
        "/rsu/api/v1/menages?cnie=" + boost::urls::encode(hub::exchange::require_param(q, "cnie"),
                                                          boost::urls::unreserved_chars),
        q);
    req.set("X-Finalite", *finalite);
    req.set(bhttp::field::accept, "application/json");
    return req;
  }

  // Called when ANRC's mapping found no {"erreur": ...} body. ANRC says "no household" with
  // 404 NON_INSCRIT; a 404 without it is a path ANRC does not serve (a proxy, a wrong base URL),
  // and must never read as "this person is in no household".
  hub::Error classify_status(unsigned status, std::string_view body) const override {
    if (status == 404) {
      return hub::make_error(hub::Errc::partner_unavailable,
                             "404 without ANRC's NON_INSCRIT error (a path it does not serve?)",
                             "unexpected_status");
    }
    return Adapter::classify_status(status, body);
  }
};

const auto kRegistration = hub::exchange::registration<AnrcAdapter>("anrc", {"household"});

}  // namespace
}  // namespace adapters::anrc
