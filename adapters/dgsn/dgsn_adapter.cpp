// DGSN — CNIE identity service v2, SOAP 1.1 (shared/partners/dgsn.md).
#include "hub/core/xml_text.hpp"
#include "hub/exchange/adapter.hpp"

namespace adapters::dgsn {
namespace {
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

class DgsnAdapter final : public hub::exchange::Adapter {
 public:
  // options (validated and defaulted by the catalog): organisme, the Demandeur's name; path,
  // the SOAP endpoint's path.
  explicit DgsnAdapter(const hub::config::PartnerEndpoint& e)
      : organisme_(e.options.at("organisme")), path_(e.options.at("path")) {}

  hub::Result<hub::http::Request> build(const Query& q) const override {
    if (q.operation != "identity") {
      return hub::make_error(hub::Errc::internal, "dgsn: unknown operation " + q.operation);
    }
    const std::string cnie = hub::exchange::require_param(q, "cnie");
    auto req = hub::exchange::make_request(bhttp::verb::post, path_, q);
    req.set(bhttp::field::content_type, "text/xml; charset=utf-8");
    req.set("SOAPAction", "\"urn:ma:dgsn:cnie:v2#ConsulterCitoyen\"");
    req.body() =
        R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
        R"(xmlns:cnie="urn:ma:dgsn:cnie:v2"><soapenv:Header><cnie:Demandeur><cnie:Organisme>)" +
        hub::xml_escaped(organisme_) + "</cnie:Organisme><cnie:Motif>" +
        hub::xml_escaped(q.purpose) + "</cnie:Motif><cnie:Reference>" +
        hub::xml_escaped(q.correlation_id) +
        "</cnie:Reference></cnie:Demandeur></soapenv:Header><soapenv:Body><cnie:ConsulterCitoyen>"
        "<cnie:NumeroCNIE>" +
        hub::xml_escaped(cnie) +
        "</cnie:NumeroCNIE></cnie:ConsulterCitoyen></soapenv:Body></soapenv:Envelope>";
    return req;
  }

 private:
  std::string organisme_;
  std::string path_;
};

const auto kRegistration =
    hub::exchange::registration<DgsnAdapter>("dgsn", {"identity"},
                                             {hub::exchange::string_option("organisme", "CNSS"),
                                              hub::exchange::string_option("path", "/ws/cnie/v2")});

}  // namespace
}  // namespace adapters::dgsn
