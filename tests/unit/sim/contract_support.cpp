#include "contract_support.hpp"

#include "sim/data/identifiers.hpp"

#include <random>

namespace sim::testing {

Options default_options() {
  return Options{};
}
Options strict_options() {
  Options o;
  o.strict = true;
  return o;
}

std::string soap_request(std::string_view cnie, std::string_view motif, std::string_view env_prefix,
                         std::string_view cnie_prefix) {
  const std::string e(env_prefix);
  const std::string c = cnie_prefix.empty() ? "" : std::string(cnie_prefix) + ":";
  const std::string decl = cnie_prefix.empty()
                               ? " xmlns=\"urn:ma:dgsn:cnie:v2\""
                               : " xmlns:" + std::string(cnie_prefix) + "=\"urn:ma:dgsn:cnie:v2\"";
  std::string s = "<" + e + ":Envelope xmlns:" + e +
                  "=\"http://schemas.xmlsoap.org/soap/envelope/\"" + decl + "><" + e + ":Header><" +
                  c + "Demandeur><" + c + "Organisme>CNSS</" + c + "Organisme>";
  if (!motif.empty()) s += "<" + c + "Motif>" + std::string(motif) + "</" + c + "Motif>";
  s += "<" + c + "Reference>0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10</" + c + "Reference></" + c +
       "Demandeur></" + e + ":Header><" + e + ":Body><" + c + "ConsulterCitoyen><" + c +
       "NumeroCNIE>" + std::string(cnie) + "</" + c + "NumeroCNIE></" + c + "ConsulterCitoyen></" +
       e + ":Body></" + e + ":Envelope>";
  return s;
}

Reply dgsn(const Options& o, std::string_view cnie) {
  const std::string body = soap_request(cnie);
  return handle_dgsn({"POST", "/ws/cnie/v2", body, "", "text/xml; charset=utf-8"}, o);
}

Reply dgct(const Options& o, std::string_view cnie, std::string_view motif) {
  const std::string target = "/api/etat-civil/v1/personnes/" + std::string(cnie) + "/famille";
  return handle_dgct({"GET", target, "", motif, ""}, o);
}

Reply ompic_by_ice(const Options& o, std::string_view ice) {
  const std::string target = "/rc/api/v1/entreprises?ice=" + std::string(ice);
  return handle_ompic({"GET", target, "", "", ""}, o);
}

Reply ompic_by_rc(const Options& o, std::string_view tribunal, std::string_view number) {
  const std::string target =
      "/rc/api/v1/entreprises/" + std::string(tribunal) + "/" + std::string(number);
  return handle_ompic({"GET", target, "", "", ""}, o);
}

Reply dgi(const Options& o, std::string_view target) {
  return handle_dgi({"GET", target, "", "", ""}, o);
}

Reply anrc(const Options& o, std::string_view target, std::string_view finalite) {
  return handle_anrc({"GET", target, "", "", "", finalite}, o);
}

std::string_view local_name(pugi::xml_node node) {
  const std::string_view q = node.name();
  const std::size_t colon = q.find(':');
  return colon == std::string_view::npos ? q : q.substr(colon + 1);
}

std::string_view prefix_of(pugi::xml_node node) {
  const std::string_view q = node.name();
  const std::size_t colon = q.find(':');
  return colon == std::string_view::npos ? std::string_view{} : q.substr(0, colon);
}

std::string namespace_of_prefix(pugi::xml_node node, std::string_view prefix) {
  const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

std::string namespace_of(pugi::xml_node node) {
  return namespace_of_prefix(node, prefix_of(node));
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                     std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name && namespace_of(c) == ns) {
      out.push_back(c);
    }
  }
  return out;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view name) {
  const auto all = children(parent, ns, name);
  return all.empty() ? pugi::xml_node() : all.front();
}

std::string text(pugi::xml_node node) {
  return node.child_value();
}

std::vector<std::string> child_names(pugi::xml_node parent) {
  std::vector<std::string> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) out.emplace_back(local_name(c));
  }
  return out;
}

bool parse_xml(pugi::xml_document& doc, std::string_view body) {
  return static_cast<bool>(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8));
}

bool parse_json(rapidjson::Document& doc, std::string_view body) {
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  return !doc.HasParseError();
}

std::vector<std::string> keys(const rapidjson::Value& object) {
  std::vector<std::string> out;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    out.emplace_back(it->name.GetString(), it->name.GetStringLength());
  }
  return out;
}

std::string string_or_empty(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

namespace {

bool digits_at(std::string_view s, std::size_t from, std::size_t n) {
  if (from + n > s.size()) return false;
  for (std::size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int number_at(std::string_view s, std::size_t from, std::size_t n) {
  int v = 0;
  for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool real_date(int y, int m, int d) {
  static constexpr int kLen[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > kLen[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

}  // namespace

bool is_iso_date(std::string_view s) {
  return s.size() == 10 && digits_at(s, 0, 4) && s[4] == '-' && digits_at(s, 5, 2) && s[7] == '-' &&
         digits_at(s, 8, 2) &&
         real_date(number_at(s, 0, 4), number_at(s, 5, 2), number_at(s, 8, 2));
}

bool is_dmy_date(std::string_view s) {
  return s.size() == 10 && digits_at(s, 0, 2) && s[2] == '/' && digits_at(s, 3, 2) && s[5] == '/' &&
         digits_at(s, 6, 4) &&
         real_date(number_at(s, 6, 4), number_at(s, 3, 2), number_at(s, 0, 2));
}

bool is_rfc3339_utc(std::string_view s) {
  return s.size() == 20 && is_iso_date(s.substr(0, 10)) && s[10] == 'T' && digits_at(s, 11, 2) &&
         s[13] == ':' && digits_at(s, 14, 2) && s[16] == ':' && digits_at(s, 17, 2) &&
         s[19] == 'Z' && number_at(s, 11, 2) < 24 && number_at(s, 14, 2) < 60 &&
         number_at(s, 17, 2) < 60;
}

std::string dmy_to_iso(std::string_view s) {
  if (s.size() != 10) return std::string(s);
  return std::string(s.substr(6, 4)) + "-" + std::string(s.substr(3, 2)) + "-" +
         std::string(s.substr(0, 2));
}

bool has_arabic(std::string_view s) {
  // U+0600..U+06FF are encoded with a lead byte 0xD8..0xDB.
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0xD8 && u <= 0xDB) return true;
  }
  return false;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::vector<std::string> sample_cnies(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string s;
    const unsigned form = g() % 10;
    const std::size_t letters = form == 0 ? 1 : 2;
    const std::size_t digits = form < 2 ? 1 + g() % 6 : 6;
    for (std::size_t i = 0; i < letters; ++i) s.push_back(static_cast<char>('A' + g() % 26));
    for (std::size_t i = 0; i < digits; ++i) s.push_back(static_cast<char>('0' + g() % 10));
    if (reserved_of(cnie_digits(s)) != Reserved::none) continue;
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> sample_ices(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::string> out;
  while (out.size() < n) {
    const auto e = static_cast<std::uint32_t>(g() % 1000000000u);
    if (reserved_of(std::to_string(e % 1000 + 1000)) != Reserved::none) continue;
    out.push_back(make_ice(e, 0));
  }
  return out;
}

std::vector<std::string> sample_ifs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string s = std::to_string(g() % 100000000u + 100000000u).substr(1);
    if (reserved_of(s) != Reserved::none) continue;
    out.push_back(s);
  }
  return out;
}

std::string join(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "; ";
  return s;
}

namespace {

std::string one(pugi::xml_node parent, std::string_view name, bool required,
                std::vector<std::string>& problems) {
  const auto all = children(parent, kCnieNs, name);
  if (all.size() > 1) problems.push_back(std::string(name) + " occurs more than once");
  if (all.empty()) {
    if (required) problems.push_back(std::string(name) + " missing");
    return {};
  }
  return text(all.front());
}

}  // namespace

Citizen read_citizen(std::string_view body, bool strict, std::vector<std::string>& problems) {
  Citizen c;
  pugi::xml_document doc;
  if (!parse_xml(doc, body)) {
    problems.push_back("not XML");
    return c;
  }
  const pugi::xml_node env = doc.document_element();
  if (local_name(env) != "Envelope" || namespace_of(env) != kSoapNs) {
    problems.push_back("root is not a SOAP 1.1 Envelope");
  }
  const pugi::xml_node answer =
      child(child(env, kSoapNs, "Body"), kCnieNs, "ConsulterCitoyenReponse");
  const pugi::xml_node citizen = child(answer, kCnieNs, "Citoyen");
  if (!citizen) {
    problems.push_back("no Body/ConsulterCitoyenReponse/Citoyen");
    return c;
  }
  c.cnie = one(citizen, "NumeroCNIE", true, problems);
  const pugi::xml_node nom = child(citizen, kCnieNs, "Nom");
  const pugi::xml_node prenom = child(citizen, kCnieNs, "Prenom");
  c.last = one(nom, "Latin", true, problems);
  c.first = one(prenom, "Latin", true, problems);
  const std::string last_ar = one(nom, "Arabe", strict, problems);
  const std::string first_ar = one(prenom, "Arabe", strict, problems);
  if (child(nom, kCnieNs, "Arabe") && !has_arabic(last_ar))
    problems.push_back("Nom/Arabe not Arabic");
  if (child(prenom, kCnieNs, "Arabe") && !has_arabic(first_ar)) {
    problems.push_back("Prenom/Arabe not Arabic");
  }
  c.birth = one(citizen, "DateNaissance", true, problems);
  const bool year_only = c.birth.size() == 10 && c.birth.starts_with("00/00/") &&
                         is_dmy_date("01/01/" + c.birth.substr(6));
  if (!is_dmy_date(c.birth) && (strict || !year_only)) {
    problems.push_back("DateNaissance " + c.birth);
  }
  one(citizen, "LieuNaissance", strict, problems);
  c.sex = one(citizen, "Sexe", true, problems);
  if (c.sex != "M" && c.sex != "F") problems.push_back("Sexe " + c.sex);
  const pugi::xml_node filiation = child(citizen, kCnieNs, "Filiation");
  if (strict && !filiation) problems.push_back("Filiation missing");
  one(filiation, "Pere", strict, problems);
  one(filiation, "Mere", strict, problems);
  const pugi::xml_node address = child(citizen, kCnieNs, "Adresse");
  const auto lines = children(address, kCnieNs, "Ligne");
  if (lines.empty() || lines.size() > 3) problems.push_back("Adresse/Ligne not 1..3");
  one(address, "Commune", strict, problems);
  one(address, "Province", strict, problems);
  const pugi::xml_node card = child(citizen, kCnieNs, "Carte");
  if (!card) problems.push_back("Carte missing");
  for (const char* d : {"DateDelivrance", "DateExpiration"}) {
    const std::string v = one(card, d, true, problems);
    if (!is_dmy_date(v)) problems.push_back(std::string(d) + " " + v);
  }
  const std::string issued = dmy_to_iso(text(child(card, kCnieNs, "DateDelivrance")));
  if (issued > "2026-11-27" || issued >= dmy_to_iso(text(child(card, kCnieNs, "DateExpiration")))) {
    problems.push_back("card dates");
  }
  const std::string state = one(card, "Etat", true, problems);
  if (state != "VALIDE" && state != "EXPIREE" && state != "PERDUE" && state != "VOLEE" &&
      state != "ANNULEE") {
    problems.push_back("Etat " + state);
  }
  c.death = one(citizen, "DateDeces", strict, problems);
  if (!c.death.empty() && !is_dmy_date(c.death)) problems.push_back("DateDeces " + c.death);

  if (strict) {
    if (prefix_of(env) != "soapenv" || prefix_of(citizen) != "cnie") {
      problems.push_back("strict answers use the example's prefixes");
    }
    const std::vector<std::string> expected = {
        "NumeroCNIE", "Nom",       "Prenom",  "DateNaissance", "LieuNaissance",
        "Sexe",       "Filiation", "Adresse", "Carte",         "DateDeces"};
    if (child_names(citizen) != expected) problems.push_back("strict Citoyen shape");
    if (child_names(card) != std::vector<std::string>{"DateDelivrance", "DateExpiration", "Etat"}) {
      problems.push_back("strict Carte shape");
    }
    if (!is_dmy_date(c.birth)) problems.push_back("strict birth date");
  }
  return c;
}

}  // namespace sim::testing
