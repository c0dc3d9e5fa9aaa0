// ANRC: the household of a CNIE in the unified social register (RSU), over REST/JSON
// (partners/anrc.md).
#include "sim/data/handlers.hpp"
#include "sim/data/households.hpp"
#include "sim/data/render.hpp"

namespace sim {

namespace {

constexpr std::string_view kPath = "/rsu/api/v1/menages";

bool allowed_finalite(std::string_view f) {
  return f == "AMO_TADAMON" || f == "CONTROLE";
}

// Programmes the register serves that CNSS does not know (the contract: ignore them), each with
// its own threshold.
struct OtherProgramme {
  std::string_view name;
  Decimal7 threshold;
};
constexpr OtherProgramme kOtherProgrammes[] = {
    {"ASD", {97432100}}, {"TAYSSIR", {85000000}}, {"DAAM_LOGEMENT", {102500000}}};

std::string member_json(const HouseholdMember& m, render::Variation& v) {
  render::JsonObject o;
  if (!m.cnie.empty()) {
    o.str("cnie", m.cnie);
  } else if (!v.roll(200)) {
    o.null("cnie");
  }
  o.str("lien", to_string(m.lien));
  // The register writes some declared members in Arabic script only.
  const bool arabic = m.cnie.empty() && v.roll(30);
  o.str("nom", arabic ? m.last.arabic : m.last.latin);
  o.str("prenom", arabic ? m.first.arabic : m.first.latin);
  if (!m.cnie.empty() || !v.roll(50)) o.date("dateNaissance", m.birth);
  return o.render(v);
}

std::string programme_json(std::string_view name, bool eligible, Decimal7 threshold,
                           const Date& since, render::Variation& v) {
  return render::JsonObject()
      .str("programme", name)
      .boolean("eligible", eligible)
      .str("seuil", to_string(threshold, v.on()))
      .date("depuis", since)
      .render(v);
}

// AMO Tadamon's entry; in the varied mode sometimes none at all, or beside another programme.
std::string eligibilites_json(const Household& h, render::Variation& v) {
  if (v.roll(40)) return "[]";
  std::vector<std::string> items{
      programme_json("AMO_TADAMON", h.tadamon_eligible, kTadamonThreshold, h.tadamon_since, v)};
  if (v.roll(150)) {
    const OtherProgramme& p = kOtherProgrammes[v.choose(std::size(kOtherProgrammes))];
    std::string other =
        programme_json(p.name, h.index <= p.threshold, p.threshold, h.index_date, v);
    items.insert(v.roll(500) ? items.begin() : items.end(), std::move(other));
  }
  return render::json_array(items);
}

std::string household_json(const Household& h, render::Variation& v) {
  render::JsonObject menage;
  menage.str("identifiant", h.id);
  if (!v.roll(20)) menage.date("dateInscription", h.registered);
  menage.str("indice", to_string(h.index, v.on()));
  if (!v.roll(20)) menage.date("dateCalculIndice", h.index_date);
  std::vector<std::string> members;
  members.reserve(h.members.size());
  for (const HouseholdMember& m : h.members) members.push_back(member_json(m, v));
  menage.raw("membres", render::json_array(members));

  render::JsonObject top;
  top.raw("menage", menage.render(v));
  if (!v.roll(20)) top.raw("eligibilites", eligibilites_json(h, v));
  if (!v.roll(20)) top.str("miseAJour", render::rfc3339_utc(h.updated, h.updated_minute));
  return top.render(v);
}

Reply answer(const Request& request, const Options& options) {
  const render::Target target = render::split_target(request.target);
  if (target.path != kPath) return render::not_found_path();
  if (request.method != "GET") return render::method_not_allowed("GET");
  if (!allowed_finalite(request.finalite)) {
    return render::erreur(403, "FINALITE_NON_AUTORISEE",
                          "X-Finalite absente ou non autorisée (AMO_TADAMON, CONTROLE)",
                          "forbidden");
  }
  const std::optional<std::string> cnie = render::query_param(target.query, "cnie");
  if (!cnie || render::query_param_count(target.query) != 1 || !identifiers::valid_cnie(*cnie)) {
    return render::erreur(400, "CNIE_INVALIDE",
                          "Un seul paramètre attendu : cnie, une CNIE bien formée", "invalid");
  }
  const Reserved reserved = reserved_of(cnie_digits(*cnie));
  const std::string not_inscrit = "Aucun ménage inscrit au RSU pour la CNIE " + *cnie;
  if (auto r = render::reserved_erreur(reserved, "NON_INSCRIT", not_inscrit)) return std::move(*r);
  const std::optional<Household> h = household_of(options.seed, *cnie, reserved != Reserved::none);
  if (!h) return render::erreur(404, "NON_INSCRIT", not_inscrit, "not_found");
  render::Variation v(options, *cnie);
  Reply r;
  r.content_type = "application/json";
  r.kind = "cnie";
  r.body = household_json(*h, v);
  render::degrade(r, reserved);
  return r;
}

}  // namespace

Reply handle_anrc(const Request& request, const Options& options) {
  Reply r = answer(request, options);
  // Partners log the correlation id; this one says so by sending it back.
  if (!request.correlation_id.empty()) {
    r.headers.emplace_back("X-Correlation-ID", std::string(request.correlation_id));
  }
  return r;
}

}  // namespace sim
