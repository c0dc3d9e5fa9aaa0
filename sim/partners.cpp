#include "sim/partners.hpp"

#include <algorithm>

#include "sim/data/render.hpp"

namespace sim {
namespace {

Reply dgsn_unavailable() {
  Reply r;
  r.kind = "injected_error";
  r.status = 500;
  r.content_type = "text/xml; charset=utf-8";
  r.body =
      R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>)"
      R"(<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring xml:lang="fr">)"
      R"(Erreur interne du service</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>)";
  return r;
}

Reply dgct_unavailable() {
  Reply r;
  r.kind = "injected_error";
  r.status = 500;
  r.content_type = "application/json";
  r.body = R"({"code":"ERREUR_INTERNE","message":"Erreur interne"})";
  return r;
}

Reply ompic_unavailable() {
  Reply r;
  r.kind = "injected_error";
  r.status = 503;
  r.content_type = "application/xml; charset=utf-8";
  r.body = R"(<rc:Erreur xmlns:rc="http://www.ompic.ma/rc/v1"><rc:Code>INDISPONIBLE</rc:Code>)"
           R"(<rc:Message>Service en maintenance</rc:Message></rc:Erreur>)";
  return r;
}

// DGI and ANRC: {"erreur": {"code", "message"}}.
Reply erreur_unavailable() {
  return render::erreur(503, "INDISPONIBLE", "Service indisponible", "injected_error");
}

Reply with_retry_after(Reply r) {
  r.status = 429;
  r.kind = "quota";
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

Reply erreur_over_quota() {
  return with_retry_after(render::erreur(429, "QUOTA_DEPASSE", "Quota depasse", "quota"));
}

// Partners whose contract names no quota answer: their internal error, as a 429.
template <Reply (*unavailable)()>
Reply as_over_quota() {
  return with_retry_after(unavailable());
}

constexpr SimulatedPartner kPartners[] = {
    {"dgsn", &handle_dgsn, &dgsn_unavailable, &as_over_quota<dgsn_unavailable>, nullptr},
    {"dgct", &handle_dgct, &dgct_unavailable, &as_over_quota<dgct_unavailable>, &dgct_events},
    {"ompic", &handle_ompic, &ompic_unavailable, &as_over_quota<ompic_unavailable>, &ompic_events},
    {"dgi", &handle_dgi, &erreur_unavailable, &erreur_over_quota, nullptr},
    {"anrc", &handle_anrc, &erreur_unavailable, &erreur_over_quota, &anrc_events},
};

}  // namespace

std::span<const SimulatedPartner> simulated_partners() {
  return kPartners;
}

const SimulatedPartner* simulated_partner(std::string_view name) {
  const auto it = std::find_if(std::begin(kPartners), std::end(kPartners),
                               [&](const SimulatedPartner& p) { return p.name == name; });
  return it == std::end(kPartners) ? nullptr : &*it;
}

std::string simulated_partner_names(bool pushers) {
  std::string out;
  for (const SimulatedPartner& p : kPartners) {
    if (pushers && p.events == nullptr) continue;
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace sim
