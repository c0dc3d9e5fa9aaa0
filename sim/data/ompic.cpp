// OMPIC: the central commercial register over REST/XML (partners/ompic.md).
#include "sim/data/handlers.hpp"
#include "sim/data/ompic_xml.hpp"
#include "sim/data/tables.hpp"

#include <algorithm>

namespace sim {

namespace render {

namespace {

class Xml {
 public:
  Xml(std::string& out, std::string_view prefix) : out_(out), prefix_(prefix) {}
  void start(std::string_view name) {
    out_.push_back('<');
    qualified(name);
  }
  void attr(std::string_view name, std::string_view value) {
    out_.push_back(' ');
    out_ += name;
    out_ += "=\"";
    append_xml_text(out_, value);
    out_.push_back('"');
  }
  void end_start() { out_.push_back('>'); }
  void open(std::string_view name) {
    start(name);
    end_start();
  }
  void close(std::string_view name) {
    out_ += "</";
    qualified(name);
    out_.push_back('>');
  }
  void empty(std::string_view name) {
    start(name);
    out_ += "/>";
  }
  void text(std::string_view name, std::string_view value) {
    open(name);
    append_xml_text(out_, value);
    close(name);
  }
  void date(std::string_view name, const Date& d) {
    open(name);
    append_iso(out_, d);
    close(name);
  }
  void raw(std::string_view s) { out_ += s; }

 private:
  void qualified(std::string_view name) {
    if (!prefix_.empty()) {
      out_ += prefix_;
      out_.push_back(':');
    }
    out_ += name;
  }
  std::string& out_;
  std::string_view prefix_;
};

void append_capital(std::string& out, std::uint64_t dirhams) {
  append_padded(out, dirhams, 1);
  out += ".00";
}

}  // namespace

std::string_view ompic_prefix(Variation& v) {
  static constexpr std::string_view kPrefixes[] = {"rc", "ns1", "ompic", "r", ""};
  return v.roll(500) ? kPrefixes[v.choose(5)] : kPrefixes[0];
}

void append_entreprise(std::string& out, const Company& c, Variation& v, std::string_view prefix,
                       bool declare) {
  Xml x(out, prefix);
  x.start("Entreprise");
  if (declare) {
    x.attr(prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix), kOmpicNs);
  }
  std::string stamp;
  append_iso(stamp, kReferenceDate);
  stamp += 'T';
  append_padded(stamp, c.extract_second / 3600, 2);
  stamp += ':';
  append_padded(stamp, c.extract_second / 60 % 60, 2);
  stamp += ':';
  append_padded(stamp, c.extract_second % 60, 2);
  stamp += 'Z';
  x.attr("dateExtrait", stamp);
  x.end_start();

  x.text("ICE", c.ice);
  x.open("Immatriculation");
  x.text("Tribunal", tables::tribunals()[c.tribunal].code);
  x.text("NumeroRC", c.rc_number);
  x.date("Date", c.registered);
  x.close("Immatriculation");
  x.text("Denomination", c.name);
  if (!c.acronym.empty() && !v.roll(200)) x.text("Sigle", c.acronym);
  const tables::LegalForm& form = tables::legal_forms()[c.form];
  x.start("FormeJuridique");
  x.attr("code", form.code);
  x.end_start();
  append_xml_text(out, form.label);
  x.close("FormeJuridique");
  if (c.capital != 0 && !v.roll(100)) {
    x.start("Capital");
    x.attr("devise", "MAD");
    x.end_start();
    append_capital(out, c.capital);
    x.close("Capital");
  }
  if (v.roll(100)) x.text("Telephone", "0522" + c.ice.substr(9, 6));
  x.open("SiegeSocial");
  x.text("Adresse", c.seat_address);
  x.text("Ville", tables::communes()[c.seat_commune].name);
  x.close("SiegeSocial");

  // The principal activity comes first in the example; the contract only marks it.
  std::vector<unsigned> order(c.activities.size());
  for (unsigned i = 0; i < order.size(); ++i) order[i] = i;
  if (v.roll(300)) std::rotate(order.begin(), order.begin() + 1, order.end());
  x.open("Activites");
  for (unsigned i : order) {
    const tables::Activity& a = tables::activities()[c.activities[i]];
    x.start("Activite");
    x.attr("principale", i == 0 ? "true" : "false");
    x.attr("code", a.code);
    x.end_start();
    append_xml_text(out, a.label);
    x.close("Activite");
  }
  x.close("Activites");

  x.open("Dirigeants");
  for (const Manager& m : c.managers) {
    x.open("Dirigeant");
    x.text("Nom", m.last.latin);
    x.text("Prenom", m.first.latin);
    if (m.cnie.empty()) {
      x.text("Passeport", m.passport);
    } else {
      x.text("CNIE", m.cnie);
    }
    x.text("Qualite", m.quality);
    x.date("DateNomination", m.appointed);
    x.close("Dirigeant");
  }
  x.close("Dirigeants");

  if (c.establishments.empty()) {
    if (!v.roll(500)) x.empty("Etablissements");
  } else {
    x.open("Etablissements");
    for (const Establishment& e : c.establishments) {
      x.start("Etablissement");
      x.attr("ice", e.ice);
      x.end_start();
      x.text("Adresse", e.address);
      x.text("Ville", tables::communes()[e.commune].name);
      x.close("Etablissement");
    }
    x.close("Etablissements");
  }
  x.text("Statut", to_string(c.status));
  if (v.roll(100)) {
    x.raw("<ext:Source xmlns:ext=\"http://www.ompic.ma/ext\">RCC</ext:Source>");
  }
  x.close("Entreprise");
}

}  // namespace render

namespace {

constexpr std::string_view kPath = "/rc/api/v1/entreprises";
constexpr std::string_view kXmlType = "application/xml; charset=utf-8";

Reply error(unsigned status, std::string_view code, std::string_view message, std::string kind) {
  Reply r;
  r.status = status;
  r.content_type = std::string(kXmlType);
  r.kind = std::move(kind);
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rc:Erreur xmlns:rc=\"";
  r.body += render::kOmpicNs;
  r.body += "\"><rc:Code>";
  r.body += code;
  r.body += "</rc:Code><rc:Message>";
  render::append_xml_text(r.body, message);
  r.body += "</rc:Message></rc:Erreur>";
  return r;
}

// The reserved suffixes, answered alike for ICE and RC lookups; nullopt when none applies.
std::optional<Reply> reserved_reply(Reserved reserved, std::string_view what) {
  const std::string not_found = "Aucune entreprise ne correspond à " + std::string(what);
  return render::reserved_error(
      reserved,
      {"ENTREPRISE_INCONNUE", not_found, "ERREUR_INTERNE", "Erreur interne, réessayer plus tard",
       "QUOTA_DEPASSE", "Trop de requêtes"},
      error);
}

Reply answer(const Company& c, Reserved reserved, std::string_view identifier,
             const Options& options, std::string kind) {
  render::Variation v(options, identifier);
  Reply r;
  r.content_type = std::string(kXmlType);
  r.kind = std::move(kind);
  r.body.reserve(3072);
  if (!v.roll(200)) r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  render::append_entreprise(r.body, c, v, render::ompic_prefix(v), true);
  render::degrade(r, reserved);
  return r;
}

}  // namespace

Reply handle_ompic(const Request& request, const Options& options) {
  const render::Target target = render::split_target(request.target);
  const std::string_view path = target.path;
  if (path == kPath) {
    if (request.method != "GET") return render::method_not_allowed("GET");
    const std::optional<std::string> ice = render::query_param(target.query, "ice");
    if (!ice || !identifiers::valid_ice(*ice)) {
      return error(400, "ICE_INVALIDE", "ICE absent ou invalide (15 chiffres, clé modulo 97)",
                   "invalid");
    }
    const Reserved reserved = reserved_of(std::string_view(*ice).substr(0, 9));
    if (auto r = reserved_reply(reserved, "l'ICE " + *ice)) return std::move(*r);
    return answer(company_of(options.seed, ice_enterprise(*ice)), reserved, *ice, options, "ice");
  }
  if (!path.starts_with(kPath) || path.size() <= kPath.size() + 1 || path[kPath.size()] != '/') {
    return render::not_found_path();
  }
  const std::string_view rest = path.substr(kPath.size() + 1);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string_view::npos) {
    return render::not_found_path();
  }
  if (request.method != "GET") return render::method_not_allowed("GET");
  const std::string_view tribunal = rest.substr(0, slash);
  const std::string_view number = rest.substr(slash + 1);
  const int court = tables::find_tribunal(tribunal);
  if (court < 0) {
    return error(400, "TRIBUNAL_INCONNU", "Tribunal inconnu : " + std::string(tribunal), "invalid");
  }
  const std::string what =
      "l'inscription " + std::string(number) + " au RC de " + std::string(tribunal);
  if (!all_digits(number) || number.size() > 12) {
    return error(404, "ENTREPRISE_INCONNUE", "Aucune entreprise ne correspond à " + what,
                 "not_found");
  }
  const Reserved reserved = reserved_of(number);
  if (auto r = reserved_reply(reserved, what)) return std::move(*r);
  return answer(company_by_rc(options.seed, static_cast<unsigned>(court), number), reserved, rest,
                options, "rc");
}

}  // namespace sim
