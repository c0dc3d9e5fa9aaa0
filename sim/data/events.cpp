#include "sim/data/events.hpp"

#include "sim/data/companies.hpp"
#include "sim/data/households.hpp"
#include "sim/data/ompic_xml.hpp"
#include "sim/data/people.hpp"
#include "sim/data/render.hpp"

namespace sim {

namespace {

std::string event_id(std::string_view prefix, std::uint64_t seed, std::size_t i, int width,
                     std::uint64_t span) {
  // Streams start at a seed-dependent number, leaving room for half the span of events.
  const std::uint64_t base = derive(seed, Tag::event, ~0ull) % (span / 2);
  std::string id(prefix);
  append_padded(id, base + i + 1, width);
  return id;
}

std::string act_json(Rng& r, const Date& on, unsigned commune) {
  std::string numero;
  append_padded(numero, static_cast<unsigned>(r.between(1, 6000)), 1);
  numero.push_back('/');
  append_padded(numero, static_cast<unsigned>(on.year), 4);
  return render::JsonObject()
      .str("numero", numero)
      .str("commune", tables::communes()[commune].name)
      .render();
}

std::string spouse_json(const Person& p, render::Variation& v) {
  return render::JsonObject()
      .str("cnie", p.cnie)
      .str("nom", p.last.latin)
      .str("prenom", p.first.latin)
      .str("sexe", p.sex == Sex::male ? "M" : "F")
      .date("dateNaissance", p.birth)
      .render(v);
}

Event dgct_event(std::uint64_t stream, std::size_t i, const Options& options) {
  Rng r(derive(stream, Tag::event, i));
  Event e;
  e.id = event_id("dgct-2026-", stream, i, 9, 1000000000ull);
  e.content_type = "application/json";
  render::Variation v(options, e.id);
  const Date acted = kReferenceDate.plus_days(-r.between(0, 20));
  const unsigned roll = r.below(1000);
  render::JsonObject o;
  o.str("evenementId", e.id);
  if (roll < 450) {
    e.type = "NAISSANCE";
    const Couple c = pick_married_couple(options.seed, r, true);
    const Sex sex = r.chance(500) ? Sex::male : Sex::female;
    const auto& names =
        sex == Sex::male ? tables::male_first_names() : tables::female_first_names();
    const tables::Name& first = names[r.below(static_cast<std::uint32_t>(names.size()))];
    const Date born = acted.plus_days(-r.between(0, 5));
    o.str("type", e.type).date("dateActe", acted).raw("acte", act_json(r, acted, c.wife.commune));
    o.raw("personne", render::JsonObject()
                          .str("nom", c.husband.last.latin)
                          .str("prenom", first.latin)
                          .str("sexe", sex == Sex::male ? "M" : "F")
                          .date("dateNaissance", born)
                          .null("cnie")
                          .render(v));
    o.raw("parents",
          render::json_array(
              {render::JsonObject().str("cnie", c.husband.cnie).str("role", "PERE").render(v),
               render::JsonObject().str("cnie", c.wife.cnie).str("role", "MERE").render(v)}));
  } else if (roll < 650) {
    e.type = "MARIAGE";
    const Couple c = pick_engaged_pair(options.seed, r);
    o.str("type", e.type)
        .date("dateActe", acted)
        .raw("acte", act_json(r, acted, c.husband.commune));
    o.raw("epoux", render::json_array({spouse_json(c.husband, v), spouse_json(c.wife, v)}));
  } else if (roll < 750) {
    e.type = "DIVORCE";
    const Couple c = pick_married_couple(options.seed, r, false);
    o.str("type", e.type)
        .date("dateActe", acted)
        .raw("acte", act_json(r, acted, c.marriage_commune));
    o.raw("epoux", render::json_array({spouse_json(c.husband, v), spouse_json(c.wife, v)}));
    o.date("dateDissolution", acted);
  } else {
    e.type = "DECES";
    const Person p = pick_living_adult(options.seed, r, kReferenceDate.plus_years(-30));
    const Date died = acted.plus_days(-r.between(0, 3));
    o.str("type", e.type).date("dateActe", acted).raw("acte", act_json(r, acted, p.commune));
    o.raw("personne", render::JsonObject()
                          .str("cnie", p.cnie)
                          .str("nom", p.last.latin)
                          .str("prenom", p.first.latin)
                          .str("sexe", p.sex == Sex::male ? "M" : "F")
                          .date("dateNaissance", p.birth)
                          .date("dateDeces", died)
                          .render(v));
  }
  e.body = o.render(v);
  return e;
}

Event ompic_event(std::uint64_t stream, std::size_t i, const Options& options) {
  Rng r(derive(stream, Tag::event, i));
  Event e;
  e.id = event_id("ompic-2026-", stream, i, 8, 100000000ull);
  e.content_type = "application/xml";
  const unsigned roll = r.below(1000);
  CompanyPick pick = CompanyPick::created;
  e.type = "CREATION";
  if (roll >= 920) {
    pick = CompanyPick::struck_off;
    e.type = "RADIATION";
  } else if (roll >= 800) {
    pick = CompanyPick::active;
    e.type = "MODIFICATION";
  }
  const Company c = company_of(options.seed, pick_enterprise(options.seed, r, pick));
  render::Variation v(options, e.id);
  const std::string_view prefix = render::ompic_prefix(v);
  const std::string tag =
      prefix.empty() ? std::string("EvenementRC") : std::string(prefix) + ":EvenementRC";
  std::string& b = e.body;
  b.reserve(3072);
  b = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  b += tag;
  b += prefix.empty() ? " xmlns=\"" : " xmlns:" + std::string(prefix) + "=\"";
  b += render::kOmpicNs;
  b += "\" id=\"";
  b += e.id;
  b += "\" type=\"";
  b += e.type;
  b += "\">";
  render::append_entreprise(b, c, v, prefix, false);
  b += "</";
  b += tag;
  b += '>';
  return e;
}

Event anrc_event(std::uint64_t stream, std::size_t i, const Options& options) {
  Rng r(derive(stream, Tag::event, i));
  Event e;
  e.id = event_id("anrc-2026-", stream, i, 9, 1000000000ull);
  e.content_type = "application/json";
  e.type = "CHANGEMENT_ELIGIBILITE";
  const Household h = pick_registered_household(options.seed, r);
  render::Variation v(options, e.id);
  std::vector<std::string> members;
  for (const HouseholdMember& m : h.members) {
    if (m.cnie.empty()) continue;
    std::string quoted;
    render::append_json_string(quoted, m.cnie);
    members.push_back(std::move(quoted));
  }
  e.body = render::JsonObject()
               .str("idEvenement", e.id)
               .str("type", e.type)
               .str("programme", "AMO_TADAMON")
               .str("menage", h.id)
               .raw("membres", render::json_array(members))
               .boolean("eligible", !h.tadamon_eligible)
               .date("dateEffet", kReferenceDate.plus_days(r.between(1, 35)))
               .render(v);
  return e;
}

// Events 0 .. count-1 of a stream.
template <Event (*make)(std::uint64_t, std::size_t, const Options&)>
std::vector<Event> stream(std::uint64_t seed, std::size_t count, const Options& options) {
  std::vector<Event> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(make(seed, i, options));
  return out;
}

}  // namespace

std::vector<Event> dgct_events(std::uint64_t seed, std::size_t count, const Options& options) {
  return stream<dgct_event>(seed, count, options);
}

std::vector<Event> ompic_events(std::uint64_t seed, std::size_t count, const Options& options) {
  return stream<ompic_event>(seed, count, options);
}

std::vector<Event> anrc_events(std::uint64_t seed, std::size_t count, const Options& options) {
  return stream<anrc_event>(seed, count, options);
}

}  // namespace sim
