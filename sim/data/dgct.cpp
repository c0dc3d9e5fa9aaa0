// DGCT: the family booklet of a CNIE over REST/JSON (partners/dgct.md).
#include "sim/data/handlers.hpp"
#include "sim/data/people.hpp"
#include "sim/data/render.hpp"

namespace sim {

namespace {

constexpr std::string_view kPrefix = "/api/etat-civil/v1/personnes/";
constexpr std::string_view kSuffix = "/famille";
constexpr std::string_view kJsonType = "application/json";

Reply error(unsigned status, std::string_view code, std::string_view message, std::string kind) {
  Reply r;
  r.status = status;
  r.content_type = std::string(kJsonType);
  r.kind = std::move(kind);
  r.body = render::JsonObject().str("code", code).str("message", message).render();
  return r;
}

bool allowed_motif(std::string_view m) {
  return m == "IMMATRICULATION" || m == "AYANTS_DROIT" || m == "CONTROLE";
}

std::string act(std::uint32_t number, int year, unsigned commune, const Date* date) {
  std::string numero;
  append_padded(numero, number, 1);
  numero.push_back('/');
  append_padded(numero, static_cast<unsigned>(year), 4);
  render::JsonObject o;
  o.str("numero", numero);
  if (date != nullptr) o.date("date", *date);
  o.str("commune", tables::communes()[commune].name);
  return o.render();
}

std::string booklet(const Family& fam, const Options& options, render::Variation& v) {
  const Person& h = fam.holder;
  const Disagreement differs = disagreement_of(h.cnie, options.conflict_share);
  render::JsonObject holder;
  holder.str("cnie", h.cnie);
  holder.str("nom", differs == Disagreement::last_name ? misspelt(h.last.latin)
                                                       : std::string(h.last.latin));
  holder.str("prenom", h.first.latin);
  holder.date("dateNaissance", differs == Disagreement::birth_date ? misdated(h.birth) : h.birth);
  if (!v.roll(50))
    holder.raw("acteNaissance", act(h.birth_act, h.birth.year, h.birth_commune, nullptr));
  if (h.death || !v.roll(200)) holder.date_or_null("dateDeces", h.death);

  std::vector<std::string> spouses;
  for (const Spouse& s : fam.spouses) {
    render::JsonObject o;
    o.str("cnie", s.person.cnie)
        .str("nom", s.person.last.latin)
        .str("prenom", s.person.first.latin);
    o.date("dateNaissance", s.person.birth);
    o.str("sexe", s.person.sex == Sex::male ? "M" : "F");
    if (!v.roll(50)) {
      o.raw("acteMariage", act(s.marriage_act, s.married.year, s.marriage_commune, &s.married));
    }
    o.str("situation", to_string(s.situation));
    if (s.dissolved || !v.roll(300)) o.date_or_null("dateDissolution", s.dissolved);
    spouses.push_back(o.render(v));
  }

  std::vector<std::string> children;
  for (const Child& c : fam.children) {
    render::JsonObject o;
    o.str("nom", c.last.latin).str("prenom", c.first.latin);
    o.str("sexe", c.sex == Sex::male ? "M" : "F");
    o.date("dateNaissance", c.birth);
    if (!v.roll(50))
      o.raw("acteNaissance", act(c.birth_act, c.birth.year, c.birth_commune, nullptr));
    if (!c.cnie.empty()) {
      o.str("cnie", c.cnie);
    } else if (!v.roll(200)) {
      o.null("cnie");
    }
    if (c.death || !v.roll(200)) o.date_or_null("dateDeces", c.death);
    children.push_back(o.render(v));
  }

  // When the booklet last changed: stable per person, independent of the variation.
  Rng stamp(derive(options.seed, Tag::variation, stable_hash(h.cnie) ^ 0xb00c));
  std::string updated = "\"";
  append_iso(updated, kReferenceDate.plus_days(-static_cast<int>(stamp.below(400))));
  updated += 'T';
  append_padded(updated, stamp.below(24), 2);
  updated += ':';
  append_padded(updated, stamp.below(60), 2);
  updated += ":00Z\"";

  render::JsonObject top;
  top.raw("titulaire", holder.render(v));
  top.raw("conjoints", render::json_array(spouses));
  top.raw("enfants", render::json_array(children));
  top.raw("miseAJour", std::move(updated));
  return top.render(v);
}

}  // namespace

Reply handle_dgct(const Request& request, const Options& options) {
  const render::Target target = render::split_target(request.target);
  const std::string_view path = target.path;
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) ||
      path.size() <= kPrefix.size() + kSuffix.size()) {
    return render::not_found_path();
  }
  const std::string_view cnie =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (cnie.find('/') != std::string_view::npos) return render::not_found_path();
  if (request.method != "GET") return render::method_not_allowed("GET");
  if (!allowed_motif(request.motif)) {
    return error(403, "MOTIF_NON_AUTORISE", "X-Motif absent ou non autorisé", "forbidden");
  }
  if (!identifiers::valid_cnie(cnie)) {
    return error(400, "CNIE_INVALIDE", "Numéro de CNIE mal formé : " + std::string(cnie),
                 "invalid");
  }
  const Reserved reserved = reserved_of(cnie_digits(cnie));
  const std::string not_found = "Aucun acte connu pour la CNIE " + std::string(cnie);
  if (auto r = render::reserved_error(
          reserved,
          {"PERSONNE_INCONNUE", not_found, "ERREUR_INTERNE", "Erreur interne, réessayer plus tard",
           "QUOTA_DEPASSE", "Trop de requêtes"},
          error)) {
    return std::move(*r);
  }
  render::Variation variation(options, cnie);
  Reply r;
  r.content_type = std::string(kJsonType);
  r.kind = "cnie";
  r.body = booklet(family_of(options.seed, cnie), options, variation);
  render::degrade(r, reserved);
  return r;
}

}  // namespace sim
