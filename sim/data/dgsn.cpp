// DGSN: CNIE identity over SOAP 1.1 (partners/dgsn.md).
#include "sim/data/handlers.hpp"
#include "sim/data/people.hpp"
#include "sim/data/render.hpp"

#include <pugixml.hpp>

namespace sim {

namespace {

constexpr std::string_view kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kCnieNs = "urn:ma:dgsn:cnie:v2";
constexpr std::string_view kXmlType = "text/xml; charset=utf-8";

std::string_view local_name(std::string_view qname) {
  const std::size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// The namespace URI of an element, resolved through the xmlns declarations in scope.
std::string_view namespace_of(pugi::xml_node node) {
  const std::string_view qname = node.name();
  const std::size_t colon = qname.find(':');
  std::string attr = "xmlns";
  if (colon != std::string_view::npos) {
    attr += ':';
    attr += qname.substr(0, colon);
  }
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == name && namespace_of(c) == ns) {
      return c;
    }
  }
  return {};
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// A reserved suffix's fault: a SOAP fault travels as HTTP 500 (SOAP 1.1 §6.2), except a quota
// refusal, which the contract sends as 429 (partners/dgsn.md).
Reply reserved_fault(unsigned status, std::string_view code, std::string_view message,
                     std::string kind);

bool allowed_motif(std::string_view m) {
  return m == "IMMATRICULATION" || m == "AFFILIATION" || m == "AYANTS_DROIT" || m == "CONTROLE";
}

// faultcode is a QName: a cnie: code brings its own declaration, as in the contract.
Reply fault(std::string_view code, std::string_view message, std::string kind) {
  Reply r;
  r.status = 500;
  r.content_type = std::string(kXmlType);
  r.kind = std::move(kind);
  std::string& b = r.body;
  b.reserve(512);
  b += "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
       "<soapenv:Body><soapenv:Fault>";
  if (code.starts_with("cnie:")) {
    b += "<faultcode xmlns:cnie=\"urn:ma:dgsn:cnie:v2\">";
  } else {
    b += "<faultcode>";
  }
  b += code;
  b += "</faultcode><faultstring xml:lang=\"fr\">";
  render::append_xml_text(b, message);
  b += "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>";
  return r;
}

Reply reserved_fault(unsigned status, std::string_view code, std::string_view message,
                     std::string kind) {
  Reply r = fault(code, message, std::move(kind));
  if (status == 429) r.status = 429;
  return r;
}

class Writer {
 public:
  Writer(std::string& out, std::string_view prefix) : out_(out), prefix_(prefix) {}
  void open(std::string_view name) {
    out_.push_back('<');
    qualified(name);
    out_.push_back('>');
  }
  void close(std::string_view name) {
    out_ += "</";
    qualified(name);
    out_.push_back('>');
  }
  void empty(std::string_view name) {
    out_.push_back('<');
    qualified(name);
    out_ += "/>";
  }
  void text(std::string_view name, std::string_view value) {
    open(name);
    render::append_xml_text(out_, value);
    close(name);
  }
  void date(std::string_view name, const Date& d) {
    open(name);
    append_dmy(out_, d);
    close(name);
  }

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

std::string citizen_body(const Person& p, render::Variation& v) {
  static constexpr std::string_view kEnvPrefixes[] = {"soapenv", "soap", "S", "SOAP-ENV"};
  static constexpr std::string_view kCniePrefixes[] = {"cnie", "ns2", "c", "dgsn", ""};
  const std::string_view env = v.roll(400) ? kEnvPrefixes[v.choose(4)] : kEnvPrefixes[0];
  const std::string_view pre = v.roll(500) ? kCniePrefixes[v.choose(5)] : kCniePrefixes[0];
  // With a default namespace the declaration sits on the Envelope or on the operation element.
  const bool declare_on_envelope = !v.roll(400);

  std::string out;
  out.reserve(2048);
  if (v.roll(300)) out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::string ns_decl = pre.empty() ? " xmlns=\"" : " xmlns:" + std::string(pre) + "=\"";
  ns_decl += kCnieNs;
  ns_decl += '"';
  out += '<';
  out += env;
  out += ":Envelope xmlns:";
  out += env;
  out += "=\"";
  out += kSoapNs;
  out += '"';
  if (declare_on_envelope) out += ns_decl;
  out += "><";
  out += env;
  out += ":Body>";

  Writer w(out, pre);
  out += '<';
  if (!pre.empty()) {
    out += pre;
    out += ':';
  }
  out += "ConsulterCitoyenReponse";
  if (!declare_on_envelope) out += ns_decl;
  out += '>';
  w.open("Citoyen");
  w.text("NumeroCNIE", p.cnie);

  const std::string mixed_last = v.roll(150) ? title_case(p.last.latin) : std::string();
  w.open("Nom");
  w.text("Latin", mixed_last.empty() ? p.last.latin : std::string_view(mixed_last));
  if (!v.roll(50)) w.text("Arabe", p.last.arabic);
  w.close("Nom");
  w.open("Prenom");
  w.text("Latin", p.first.latin);
  if (!v.roll(50)) w.text("Arabe", p.first.arabic);
  w.close("Prenom");

  w.open("DateNaissance");
  if (v.roll(40)) {
    out += "00/00/";
    append_padded(out, static_cast<unsigned>(p.birth.year), 4);
  } else {
    append_dmy(out, p.birth);
  }
  w.close("DateNaissance");
  if (!v.roll(50)) w.text("LieuNaissance", tables::communes()[p.birth_commune].name);
  w.text("Sexe", std::string_view(&"MF"[p.sex == Sex::male ? 0 : 1], 1));
  if (v.roll(100)) w.text("Nationalite", "MAROCAINE");

  const bool father = !v.roll(50);
  const bool mother = !v.roll(50);
  if (father || mother) {
    w.open("Filiation");
    if (father) w.text("Pere", p.father_first.latin);
    if (mother) {
      w.text("Mere", std::string(p.mother_first.latin) + " " + title_case(p.mother_last.latin));
    }
    w.close("Filiation");
  }

  w.open("Adresse");
  w.text("Ligne", p.address_line());
  if (p.apartment != 0) w.text("Ligne", p.address_extra());
  const tables::Commune& home = tables::communes()[p.commune];
  if (!v.roll(50)) w.text("Commune", home.name);
  if (!v.roll(50)) w.text("Province", home.province);
  w.close("Adresse");

  w.open("Carte");
  w.date("DateDelivrance", p.card_issued);
  w.date("DateExpiration", p.card_expires);
  w.text("Etat", to_string(p.card_state));
  if (v.roll(100)) w.text("Support", "CNIE-2020");
  w.close("Carte");

  if (p.death) {
    w.date("DateDeces", *p.death);
  } else if (!v.roll(500)) {
    w.empty("DateDeces");
  }
  if (v.roll(100)) {
    out += "<trace:Dossier xmlns:trace=\"urn:ma:dgsn:trace:v1\">";
    append_padded(out, v.rng().below(100000000), 8);
    out += "</trace:Dossier>";
  }
  w.close("Citoyen");
  w.close("ConsulterCitoyenReponse");
  out += "</";
  out += env;
  out += ":Body></";
  out += env;
  out += ":Envelope>";
  return out;
}

}  // namespace

Reply handle_dgsn(const Request& request, const Options& options) {
  const render::Target target = render::split_target(request.target);
  if (target.path != "/ws/cnie/v2") return render::not_found_path();
  if (request.method != "POST") return render::method_not_allowed("POST");

  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(request.body.data(), request.body.size(),
                                                        pugi::parse_default, pugi::encoding_utf8);
  const pugi::xml_node envelope = doc.document_element();
  if (!parsed || local_name(envelope.name()) != "Envelope" || namespace_of(envelope) != kSoapNs) {
    return fault("soapenv:Client", "Requête SOAP mal formée", "invalid");
  }
  const pugi::xml_node operation =
      child(child(envelope, kSoapNs, "Body"), kCnieNs, "ConsulterCitoyen");
  const pugi::xml_node number_node = child(operation, kCnieNs, "NumeroCNIE");
  if (!number_node) {
    return fault("soapenv:Client", "Requête SOAP mal formée : NumeroCNIE attendu", "invalid");
  }
  const pugi::xml_node motif_node =
      child(child(child(envelope, kSoapNs, "Header"), kCnieNs, "Demandeur"), kCnieNs, "Motif");
  if (!allowed_motif(trimmed(motif_node.child_value()))) {
    return fault("cnie:MOTIF_NON_AUTORISE", "Motif absent ou non autorisé pour ce client",
                 "forbidden");
  }
  const std::string_view cnie = trimmed(number_node.child_value());
  if (!identifiers::valid_cnie(cnie)) {
    return fault("cnie:NUMERO_INVALIDE",
                 "Le numéro " + std::string(cnie) + " n'est pas un numéro de CNIE valide",
                 "invalid");
  }

  const Reserved reserved = reserved_of(cnie_digits(cnie));
  const std::string not_found = "Aucun citoyen ne correspond au numéro " + std::string(cnie);
  if (auto r = render::reserved_error(
          reserved,
          {"cnie:INTROUVABLE", not_found, "soapenv:Server",
           "Erreur interne du service, réessayer plus tard", "soapenv:Server", "Trop de requêtes"},
          reserved_fault)) {
    return std::move(*r);
  }

  render::Variation variation(options, cnie);
  Reply r;
  r.content_type = std::string(kXmlType);
  r.kind = "cnie";
  r.body = citizen_body(person_of(options.seed, cnie), variation);
  render::degrade(r, reserved);
  return r;
}

}  // namespace sim
