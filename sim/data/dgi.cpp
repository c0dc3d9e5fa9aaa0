// DGI: taxpayers over REST/JSON (partners/dgi.md).
#include "sim/data/companies.hpp"
#include "sim/data/handlers.hpp"
#include "sim/data/render.hpp"
#include "sim/data/tables.hpp"

namespace sim {

namespace {

constexpr std::string_view kPath = "/dgi/api/v2/contribuables";
constexpr std::string_view kJsonType = "application/json";

std::string taxpayer_json(const Taxpayer& t, render::Variation& v) {
  render::JsonObject o;
  o.str("identifiantFiscal", t.fiscal_id);
  if (!t.ice.empty()) {
    o.str("ice", t.ice);
  } else if (!v.roll(300)) {
    o.null("ice");
  }
  o.str("type", t.legal_entity ? "PERSONNE_MORALE" : "PERSONNE_PHYSIQUE");
  if (t.legal_entity) {
    o.str("raisonSociale", t.name);
    if (!v.roll(300)) o.null("personnePhysique");
  } else {
    if (!v.roll(300)) o.null("raisonSociale");
    o.raw("personnePhysique", render::JsonObject()
                                  .str("cnie", t.person_cnie)
                                  .str("nom", t.person_last.latin)
                                  .str("prenom", t.person_first.latin)
                                  .render(v));
  }
  o.str("regimeImposition", t.regime);
  if (t.has_professional_tax) {
    if (!v.roll(50)) {
      o.raw("taxeProfessionnelle", render::JsonObject()
                                       .str("numero", t.professional_tax_number)
                                       .date("dateDebut", t.professional_tax_start)
                                       .render(v));
    }
  } else {
    o.null("taxeProfessionnelle");
  }
  const tables::Activity& a = tables::activities()[t.activity];
  o.raw("activitePrincipale",
        render::JsonObject().str("code", a.code).str("libelle", a.label).render(v));
  const tables::Commune& town = tables::communes()[t.commune];
  render::JsonObject address;
  address.str("ligne", t.address).str("ville", town.name);
  if (!v.roll(100)) address.str("codePostal", town.postal_code);
  o.raw("adresseFiscale", address.render(v));
  o.str("situation", t.situation);
  o.date("dateSituation", t.situation_date);
  o.boolean("autoEntrepreneur", t.auto_entrepreneur);
  return o.render(v);
}

Reply answer(const Taxpayer& t, Reserved reserved, std::string_view identifier,
             const Options& options, std::string kind) {
  render::Variation v(options, identifier);
  Reply r;
  r.content_type = std::string(kJsonType);
  r.kind = std::move(kind);
  r.body = taxpayer_json(t, v);
  render::degrade(r, reserved);
  return r;
}

std::optional<Reply> reserved_reply(Reserved reserved) {
  return render::reserved_erreur(reserved, "CONTRIBUABLE_INTROUVABLE",
                                 "Aucun contribuable ne correspond");
}

Reply invalid(std::string_view why) {
  return render::erreur(400, "PARAMETRE_INVALIDE", why, "invalid");
}

}  // namespace

Reply handle_dgi(const Request& request, const Options& options) {
  const render::Target target = render::split_target(request.target);
  const std::string_view path = target.path;
  if (path == kPath) {
    if (request.method != "GET") return render::method_not_allowed("GET");
    const auto ice = render::query_param(target.query, "ice");
    const auto cnie = render::query_param(target.query, "cnie");
    if (render::query_param_count(target.query) != 1 || (!ice && !cnie)) {
      return invalid("Un seul paramètre attendu : ice ou cnie");
    }
    if (ice) {
      if (!identifiers::valid_ice(*ice)) return invalid("ICE invalide : " + *ice);
      const Reserved reserved = reserved_of(std::string_view(*ice).substr(0, 9));
      if (auto r = reserved_reply(reserved)) return std::move(*r);
      return answer(taxpayer_by_ice(options.seed, *ice), reserved, *ice, options, "ice");
    }
    if (!identifiers::valid_cnie(*cnie)) return invalid("CNIE invalide : " + *cnie);
    const Reserved reserved = reserved_of(cnie_digits(*cnie));
    if (auto r = reserved_reply(reserved)) return std::move(*r);
    const std::optional<Taxpayer> t = taxpayer_by_cnie(options.seed, *cnie);
    if (!t) {
      return render::erreur(404, "CONTRIBUABLE_INTROUVABLE",
                            "Aucun contribuable personne physique pour la CNIE " + *cnie,
                            "not_found");
    }
    return answer(*t, reserved, *cnie, options, "cnie");
  }
  if (!path.starts_with(kPath) || path.size() <= kPath.size() + 1 || path[kPath.size()] != '/') {
    return render::not_found_path();
  }
  const std::string_view id = path.substr(kPath.size() + 1);
  if (id.find('/') != std::string_view::npos) return render::not_found_path();
  if (request.method != "GET") return render::method_not_allowed("GET");
  const std::optional<std::string> fiscal_id = identifiers::left_padded_if(id);
  if (!fiscal_id) return invalid("Identifiant fiscal invalide : " + std::string(id));
  const Reserved reserved = reserved_of(*fiscal_id);
  if (auto r = reserved_reply(reserved)) return std::move(*r);
  return answer(taxpayer_by_if(options.seed, *fiscal_id), reserved, *fiscal_id, options, "if");
}

}  // namespace sim
