// DGI's taxpayers against partners/dgi.md, and their consistency with OMPIC and DGSN.
#include "contract_support.hpp"
#include "sim/data/identifiers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;

const std::set<std::string> kRegimes = {"IS", "IR_RNR", "IR_RNS", "IR_CPU", "AE"};
const std::set<std::string> kSituations = {"ACTIF", "EN_CESSATION", "CESSE", "RADIE"};

bool is_null_or_absent(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it == o.MemberEnd() || it->value.IsNull();
}

std::vector<std::string> check_taxpayer(const rapidjson::Document& d, bool strict) {
  std::vector<std::string> p;
  if (!d.IsObject()) return {"not an object"};
  const std::string fiscal_id = string_or_empty(d, "identifiantFiscal");
  if (fiscal_id.size() != 8 || !all_digits(fiscal_id)) p.push_back("identifiantFiscal");
  if (!is_null_or_absent(d, "ice") && !identifiers::valid_ice(string_or_empty(d, "ice")))
    p.push_back("ice");
  const std::string type = string_or_empty(d, "type");
  if (type == "PERSONNE_MORALE") {
    if (string_or_empty(d, "raisonSociale").empty()) p.push_back("raisonSociale");
    if (!is_null_or_absent(d, "personnePhysique")) p.push_back("personnePhysique on a company");
  } else if (type == "PERSONNE_PHYSIQUE") {
    if (!d.HasMember("personnePhysique") || !d["personnePhysique"].IsObject()) {
      p.push_back("personnePhysique");
    } else {
      const auto& pp = d["personnePhysique"];
      if (!identifiers::valid_cnie(string_or_empty(pp, "cnie")))
        p.push_back("personnePhysique.cnie");
      if (string_or_empty(pp, "nom").empty() || string_or_empty(pp, "prenom").empty()) {
        p.push_back("personnePhysique names");
      }
    }
  } else {
    p.push_back("type " + type);
  }
  const std::string regime = string_or_empty(d, "regimeImposition");
  if (!kRegimes.count(regime)) p.push_back("regimeImposition " + regime);
  if (d.HasMember("taxeProfessionnelle") && !d["taxeProfessionnelle"].IsNull()) {
    const auto& tp = d["taxeProfessionnelle"];
    if (string_or_empty(tp, "numero").empty() || !is_iso_date(string_or_empty(tp, "dateDebut"))) {
      p.push_back("taxeProfessionnelle");
    }
  }
  if (!d.HasMember("activitePrincipale") ||
      string_or_empty(d["activitePrincipale"], "code").empty() ||
      string_or_empty(d["activitePrincipale"], "libelle").empty()) {
    p.push_back("activitePrincipale");
  }
  if (!d.HasMember("adresseFiscale") || string_or_empty(d["adresseFiscale"], "ligne").empty() ||
      string_or_empty(d["adresseFiscale"], "ville").empty()) {
    p.push_back("adresseFiscale");
  }
  if (!kSituations.count(string_or_empty(d, "situation"))) p.push_back("situation");
  const std::string since = string_or_empty(d, "dateSituation");
  if (!is_iso_date(since) || since > "2026-11-27") p.push_back("dateSituation " + since);
  if (d.HasMember("taxeProfessionnelle") && d["taxeProfessionnelle"].IsObject()) {
    const std::string start = string_or_empty(d["taxeProfessionnelle"], "dateDebut");
    if (start > "2026-11-27") p.push_back("dateDebut in the future");
    if (string_or_empty(d, "situation") == "ACTIF" && start > since)
      p.push_back("ACTIF before start");
  }
  if (!d.HasMember("autoEntrepreneur") || !d["autoEntrepreneur"].IsBool()) {
    p.push_back("autoEntrepreneur");
  } else if (d["autoEntrepreneur"].GetBool() != (regime == "AE")) {
    p.push_back("autoEntrepreneur and regime disagree");
  }
  if (strict) {
    const std::vector<std::string> expected = {"identifiantFiscal",
                                               "ice",
                                               "type",
                                               "raisonSociale",
                                               "personnePhysique",
                                               "regimeImposition",
                                               "taxeProfessionnelle",
                                               "activitePrincipale",
                                               "adresseFiscale",
                                               "situation",
                                               "dateSituation",
                                               "autoEntrepreneur"};
    if (keys(d) != expected) p.push_back("strict key order");
    if (keys(d["adresseFiscale"]) != std::vector<std::string>{"ligne", "ville", "codePostal"}) {
      p.push_back("strict adresseFiscale");
    }
  }
  return p;
}

struct Parsed {
  unsigned status = 0;
  rapidjson::Document doc;
};

void get(const Options& o, const std::string& target, Parsed& out) {
  const Reply r = dgi(o, target);
  out.status = r.status;
  ASSERT_TRUE(parse_json(out.doc, r.body)) << target << ": " << r.body;
  if (r.status == 200) {
    const auto problems = check_taxpayer(out.doc, o.strict);
    ASSERT_TRUE(problems.empty()) << target << ": " << join(problems) << "\n" << r.body;
  }
}

std::string error_code(const Reply& r) {
  rapidjson::Document d;
  if (!parse_json(d, r.body) || !d.HasMember("erreur")) return "no erreur";
  return string_or_empty(d["erreur"], "code");
}

class DgiContract : public ::testing::TestWithParam<bool> {};

TEST_P(DgiContract, ByIceAgreesWithOmpic) {
  const Options o = GetParam() ? strict_options() : default_options();
  for (const std::string& ice : sample_ices(kSample, 41)) {
    Parsed t;
    get(o, "/dgi/api/v2/contribuables?ice=" + ice, t);
    ASSERT_EQ(t.status, 200u);
    EXPECT_EQ(string_or_empty(t.doc, "ice"), ice);
    pugi::xml_document company;
    ASSERT_TRUE(parse_xml(company, ompic_by_ice(strict_options(), ice).body));
    const pugi::xml_node e = company.document_element();
    const std::string name = text(child(e, kOmpicNs, "Denomination"));
    const std::string form = child(e, kOmpicNs, "FormeJuridique").attribute("code").value();
    if (form == "PP") {
      const auto& pp = t.doc["personnePhysique"];
      EXPECT_EQ(string_or_empty(pp, "nom") + " " + string_or_empty(pp, "prenom"), name);
    } else {
      EXPECT_EQ(string_or_empty(t.doc, "raisonSociale"), name) << ice;
      EXPECT_EQ(string_or_empty(t.doc, "regimeImposition"), "IS");
    }
    std::string principal;
    for (pugi::xml_node a : children(child(e, kOmpicNs, "Activites"), kOmpicNs, "Activite")) {
      if (std::string(a.attribute("principale").value()) == "true")
        principal = a.attribute("code").value();
    }
    EXPECT_EQ(string_or_empty(t.doc["activitePrincipale"], "code"), principal) << ice;
    EXPECT_EQ(string_or_empty(t.doc["adresseFiscale"], "ville"),
              text(child(child(e, kOmpicNs, "SiegeSocial"), kOmpicNs, "Ville")));
    const std::string status = text(child(e, kOmpicNs, "Statut"));
    const std::string situation = string_or_empty(t.doc, "situation");
    EXPECT_EQ(status == "ACTIVE", situation == "ACTIF") << ice;
  }
}

TEST_P(DgiContract, ByFiscalIdRoundTrips) {
  const Options o = GetParam() ? strict_options() : default_options();
  std::size_t people = 0;
  for (const std::string& fiscal_id : sample_ifs(kSample, 42)) {
    Parsed t;
    get(o, "/dgi/api/v2/contribuables/" + fiscal_id, t);
    ASSERT_EQ(t.status, 200u);
    EXPECT_EQ(string_or_empty(t.doc, "identifiantFiscal"), fiscal_id);
    const std::string ice = string_or_empty(t.doc, "ice");
    if (!ice.empty()) {
      Parsed back;
      get(o, "/dgi/api/v2/contribuables?ice=" + ice, back);
      EXPECT_EQ(string_or_empty(back.doc, "identifiantFiscal"), fiscal_id);
    } else {
      ++people;
      const std::string cnie = string_or_empty(t.doc["personnePhysique"], "cnie");
      Parsed back;
      get(o, "/dgi/api/v2/contribuables?cnie=" + cnie, back);
      ASSERT_EQ(back.status, 200u) << cnie;
      EXPECT_EQ(string_or_empty(back.doc, "identifiantFiscal"), fiscal_id);
      std::vector<std::string> problems;
      const Citizen c = read_citizen(dgsn(strict_options(), cnie).body, true, problems);
      EXPECT_EQ(c.last, string_or_empty(t.doc["personnePhysique"], "nom"));
      EXPECT_EQ(c.first, string_or_empty(t.doc["personnePhysique"], "prenom"));
    }
  }
  EXPECT_GT(people, kSample / 10);
}

TEST_P(DgiContract, SelfEmployedByCnie) {
  const Options o = GetParam() ? strict_options() : default_options();
  std::size_t found = 0;
  for (const std::string& cnie : sample_cnies(kSample, 43)) {
    Parsed t;
    get(o, "/dgi/api/v2/contribuables?cnie=" + cnie, t);
    if (t.status == 404) {
      EXPECT_EQ(string_or_empty(t.doc["erreur"], "code"), "CONTRIBUABLE_INTROUVABLE");
      continue;
    }
    ASSERT_EQ(t.status, 200u);
    ++found;
    EXPECT_EQ(string_or_empty(t.doc, "type"), "PERSONNE_PHYSIQUE");
    const auto& pp = t.doc["personnePhysique"];
    EXPECT_EQ(string_or_empty(pp, "cnie"), cnie);
    std::vector<std::string> problems;
    const Citizen c = read_citizen(dgsn(strict_options(), cnie).body, true, problems);
    EXPECT_EQ(c.last, string_or_empty(pp, "nom"));
    EXPECT_EQ(c.first, string_or_empty(pp, "prenom"));
  }
  EXPECT_GT(found, kSample / 5);
  EXPECT_LT(found, kSample / 2);
}

INSTANTIATE_TEST_SUITE_P(Modes, DgiContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

TEST(Dgi, ParametersAndErrors) {
  const Options o = default_options();
  for (const std::string target :
       {"/dgi/api/v2/contribuables", "/dgi/api/v2/contribuables?ice=001561191000065",
        "/dgi/api/v2/contribuables?cnie=bk12", "/dgi/api/v2/contribuables?siren=1",
        "/dgi/api/v2/contribuables?ice=001561191000066&cnie=BK123456",
        "/dgi/api/v2/contribuables/4012345a", "/dgi/api/v2/contribuables/123"}) {
    const Reply r = dgi(o, target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(error_code(r), "PARAMETRE_INVALIDE") << target;
  }
  EXPECT_EQ(dgi(o, "/dgi/api/v2/contribuables/4012345").status, 200u);  // seven digits, padded
  EXPECT_EQ(dgi(o, "/dgi/api/v1/contribuables/40123456").status, 404u);
  EXPECT_EQ(handle_dgi({"PUT", "/dgi/api/v2/contribuables/40123456", "", "", ""}, o).status, 405u);
}

TEST(Dgi, ReservedIdentifiers) {
  const Options o = default_options();
  for (const std::string& target : {std::string("/dgi/api/v2/contribuables/40123000"),
                                    "/dgi/api/v2/contribuables?ice=" + make_ice(123456000, 0),
                                    std::string("/dgi/api/v2/contribuables?cnie=BK123000")}) {
    EXPECT_EQ(dgi(o, target).status, 404u) << target;
    EXPECT_EQ(error_code(dgi(o, target)), "CONTRIBUABLE_INTROUVABLE");
  }
  Reply r = dgi(o, "/dgi/api/v2/contribuables/40123999");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(error_code(r), "INDISPONIBLE");
  r = dgi(o, "/dgi/api/v2/contribuables/40123998");
  EXPECT_EQ(r.status, 200u);
  rapidjson::Document d;
  EXPECT_FALSE(parse_json(d, r.body));
  r = dgi(o, "/dgi/api/v2/contribuables?ice=" + make_ice(123456997, 0));
  EXPECT_EQ(r.delay, std::chrono::seconds(30));
  EXPECT_TRUE(parse_json(d, r.body));
  r = dgi(o, "/dgi/api/v2/contribuables?cnie=AB12996");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(error_code(r), "QUOTA_DEPASSE");
  EXPECT_EQ(r.headers.at(0), std::make_pair(std::string("Retry-After"), std::string("1")));
}

TEST(Dgi, SameRequestSameBytes) {
  for (const std::string& f : sample_ifs(300, 44)) {
    const std::string target = "/dgi/api/v2/contribuables/" + f;
    EXPECT_EQ(dgi(default_options(), target).body, dgi(default_options(), target).body);
  }
}

}  // namespace
}  // namespace sim::testing
