// OMPIC's register against partners/ompic.md, and managers' consistency with DGSN.
#include "contract_support.hpp"
#include "sim/data/identifiers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;

const std::set<std::string> kForms = {"SARL", "SARLAU", "SA", "SNC", "SCS",
                                      "SCA",  "GIE",    "PP", "SUCC"};
const std::set<std::string> kQualities = {"GERANT", "PDG",       "ADMINISTRATEUR",
                                          "DG",     "PRESIDENT", "EXPLOITANT"};
const std::set<std::string> kStatuses = {"ACTIVE", "EN_LIQUIDATION", "RADIEE"};

bool is_activity_code(std::string_view c) {
  return c.size() == 5 && std::isdigit(static_cast<unsigned char>(c[0])) &&
         std::isdigit(static_cast<unsigned char>(c[1])) && c[2] == '.' &&
         std::isdigit(static_cast<unsigned char>(c[3])) &&
         std::isdigit(static_cast<unsigned char>(c[4]));
}

bool is_decimal(std::string_view s) {
  const std::size_t dot = s.find('.');
  return dot != std::string_view::npos && dot > 0 && all_digits(s.substr(0, dot)) &&
         all_digits(s.substr(dot + 1));
}

struct Extract {
  std::string ice, tribunal, rc, name, form, status, principal_code;
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> managers;  // cnie->names
};

// Checks an rc:Entreprise element against the contract and reads what consistency needs.
Extract check_entreprise(pugi::xml_node e, bool strict, std::vector<std::string>& p) {
  Extract x;
  if (local_name(e) != "Entreprise" || namespace_of(e) != kOmpicNs) p.push_back("root");
  const std::string_view ns = kOmpicNs;
  auto one = [&](pugi::xml_node parent, const char* name, bool required) {
    const auto all = children(parent, ns, name);
    if (all.size() > 1) p.push_back(std::string(name) + " repeated");
    if (all.empty() && required) p.push_back(std::string(name) + " missing");
    return all.empty() ? pugi::xml_node() : all.front();
  };
  if (!is_rfc3339_utc(e.attribute("dateExtrait").value())) p.push_back("dateExtrait");
  x.ice = text(one(e, "ICE", true));
  if (!identifiers::valid_ice(x.ice) || x.ice.substr(9, 4) != "0000") p.push_back("ICE " + x.ice);
  const pugi::xml_node reg = one(e, "Immatriculation", true);
  x.tribunal = text(one(reg, "Tribunal", true));
  x.rc = text(one(reg, "NumeroRC", true));
  if (x.tribunal.empty() || upper(x.tribunal) != x.tribunal) p.push_back("Tribunal");
  if (!all_digits(x.rc)) p.push_back("NumeroRC " + x.rc);
  if (!is_iso_date(text(one(reg, "Date", true)))) p.push_back("Immatriculation/Date");
  x.name = text(one(e, "Denomination", true));
  if (x.name.empty()) p.push_back("Denomination");
  one(e, "Sigle", false);
  const pugi::xml_node form = one(e, "FormeJuridique", true);
  x.form = form.attribute("code").value();
  if (!kForms.count(x.form) || text(form).empty()) p.push_back("FormeJuridique " + x.form);
  if (const pugi::xml_node capital = one(e, "Capital", false)) {
    if (!is_decimal(text(capital)) || std::string(capital.attribute("devise").value()).empty()) {
      p.push_back("Capital");
    }
  }
  const pugi::xml_node seat = one(e, "SiegeSocial", true);
  if (text(one(seat, "Adresse", true)).empty() || text(one(seat, "Ville", true)).empty()) {
    p.push_back("SiegeSocial");
  }
  const auto activities = children(one(e, "Activites", true), ns, "Activite");
  if (activities.empty() || activities.size() > 3) p.push_back("Activite count");
  std::size_t principal = 0;
  for (pugi::xml_node a : activities) {
    const std::string flag = a.attribute("principale").value();
    if (flag != "true" && flag != "false") p.push_back("principale " + flag);
    if (flag == "true") {
      ++principal;
      x.principal_code = a.attribute("code").value();
    }
    if (!is_activity_code(a.attribute("code").value()) || text(a).empty()) p.push_back("Activite");
  }
  if (principal != 1) p.push_back("exactly one principal activity");
  const pugi::xml_node managers = one(e, "Dirigeants", false);
  for (pugi::xml_node m : children(managers, ns, "Dirigeant")) {
    const std::string cnie = text(one(m, "CNIE", false));
    if (!identifiers::valid_cnie(cnie) && !one(m, "Passeport", false)) p.push_back("Dirigeant id");
    if (!kQualities.count(text(one(m, "Qualite", true)))) p.push_back("Qualite");
    if (!is_iso_date(text(one(m, "DateNomination", true)))) p.push_back("DateNomination");
    x.managers.push_back({cnie, {text(one(m, "Nom", true)), text(one(m, "Prenom", true))}});
  }
  for (pugi::xml_node est : children(one(e, "Etablissements", strict), ns, "Etablissement")) {
    const std::string ice = est.attribute("ice").value();
    if (!identifiers::valid_ice(ice) || ice.substr(0, 9) != x.ice.substr(0, 9) || ice == x.ice) {
      p.push_back("Etablissement ice " + ice);
    }
    if (text(one(est, "Adresse", true)).empty() || text(one(est, "Ville", true)).empty()) {
      p.push_back("Etablissement address");
    }
  }
  x.status = text(one(e, "Statut", true));
  if (!kStatuses.count(x.status)) p.push_back("Statut " + x.status);
  if (strict) {
    if (prefix_of(e) != "rc") p.push_back("strict prefix");
    std::vector<std::string> expected = {"ICE", "Immatriculation", "Denomination"};
    if (one(e, "Sigle", false)) expected.push_back("Sigle");
    expected.push_back("FormeJuridique");
    if (one(e, "Capital", false)) expected.push_back("Capital");
    for (const char* n : {"SiegeSocial", "Activites", "Dirigeants", "Etablissements", "Statut"}) {
      expected.push_back(n);
    }
    if (child_names(e) != expected) p.push_back("strict element order");
    if (std::string(activities.front().attribute("principale").value()) != "true") {
      p.push_back("strict: principal activity first");
    }
  }
  return x;
}

Extract read_company(const Reply& r, bool strict, std::vector<std::string>& p) {
  pugi::xml_document doc;
  if (!parse_xml(doc, r.body)) {
    p.push_back("not XML");
    return {};
  }
  return check_entreprise(doc.document_element(), strict, p);
}

class OmpicContract : public ::testing::TestWithParam<bool> {};

TEST_P(OmpicContract, EveryCompanyFollowsTheContract) {
  const bool strict = GetParam();
  const Options o = strict ? strict_options() : default_options();
  std::map<std::string, std::size_t> forms, statuses;
  std::size_t prefixes_seen = 0;
  for (const std::string& ice : sample_ices(kSample, 31)) {
    const Reply r = ompic_by_ice(o, ice);
    ASSERT_EQ(r.status, 200u) << ice;
    EXPECT_EQ(r.content_type, "application/xml; charset=utf-8");
    EXPECT_EQ(r.kind, "ice");
    std::vector<std::string> problems;
    const Extract x = read_company(r, strict, problems);
    ASSERT_TRUE(problems.empty()) << ice << ": " << join(problems) << "\n" << r.body;
    EXPECT_EQ(x.ice, ice);
    ++forms[x.form];
    ++statuses[x.status];
    prefixes_seen += r.body.find("<rc:Entreprise") == std::string::npos;
    EXPECT_GE(x.managers.size(), 1u);
    EXPECT_LE(x.managers.size(), 3u);
  }
  EXPECT_EQ(forms.size(), 9u);
  EXPECT_GT(statuses["ACTIVE"], kSample * 8 / 10);
  EXPECT_GT(statuses["RADIEE"], 0u);
  EXPECT_GT(statuses["EN_LIQUIDATION"], 0u);
  if (strict) {
    EXPECT_EQ(prefixes_seen, 0u);
  } else {
    EXPECT_GT(prefixes_seen, kSample / 10);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, OmpicContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

TEST(Ompic, ManagersResolveAtDgsnToThemselves) {
  std::size_t foreigners = 0;
  for (const std::string& ice : sample_ices(1500, 32)) {
    std::vector<std::string> problems;
    const Extract x = read_company(ompic_by_ice(strict_options(), ice), true, problems);
    ASSERT_TRUE(problems.empty()) << join(problems);
    for (const auto& [cnie, names] : x.managers) {
      if (cnie.empty()) {
        ASSERT_EQ(x.form, "SUCC") << "only branches of foreign companies have foreign managers";
        ++foreigners;
        continue;
      }
      std::vector<std::string> p2;
      const Citizen c = read_citizen(dgsn(strict_options(), cnie).body, true, p2);
      ASSERT_TRUE(p2.empty()) << cnie << join(p2);
      EXPECT_EQ(c.last, names.first) << ice << " " << cnie;
      EXPECT_EQ(c.first, names.second) << ice << " " << cnie;
      EXPECT_TRUE(c.death.empty()) << cnie;
    }
    if (x.form == "PP") {
      EXPECT_EQ(x.name, x.managers.at(0).second.first + " " + x.managers.at(0).second.second);
    }
  }
  EXPECT_GT(foreigners, 0u);
}

TEST(Ompic, RegisterEntryAndIceLeadToTheSameCompany) {
  for (const std::string& ice : sample_ices(1500, 33)) {
    std::vector<std::string> problems;
    const Extract by_ice = read_company(ompic_by_ice(strict_options(), ice), true, problems);
    const Reply r = ompic_by_rc(strict_options(), by_ice.tribunal, by_ice.rc);
    ASSERT_EQ(r.kind, "rc");
    const Extract by_rc = read_company(r, true, problems);
    ASSERT_TRUE(problems.empty()) << join(problems);
    EXPECT_EQ(by_rc.ice, ice);
    EXPECT_EQ(by_rc.name, by_ice.name);
    EXPECT_EQ(ompic_by_rc(strict_options(), by_ice.tribunal, by_ice.rc).body,
              ompic_by_ice(strict_options(), ice).body);
  }
}

TEST(Ompic, AnyRegisterEntryGivesThatEntry) {
  for (const auto& [tribunal, number] :
       std::vector<std::pair<std::string, std::string>>{{"CASABLANCA", "412345"},
                                                        {"RABAT", "1"},
                                                        {"FES", "00412345"},
                                                        {"TANGER", "123456789012"},
                                                        {"AGADIR", "77"},
                                                        {"MARRAKECH", "62500123"},
                                                        {"OUJDA", "62501123"}}) {
    const Reply r = ompic_by_rc(default_options(), tribunal, number);
    ASSERT_EQ(r.status, 200u) << tribunal << "/" << number;
    std::vector<std::string> problems;
    const Extract x = read_company(r, false, problems);
    EXPECT_TRUE(problems.empty()) << join(problems);
    EXPECT_EQ(x.tribunal, tribunal);
    EXPECT_EQ(x.rc, number);
  }
}

TEST(Ompic, ErrorsAndReservedIdentifiers) {
  const Options o = default_options();
  auto code = [](const Reply& r) {
    pugi::xml_document doc;
    if (!parse_xml(doc, r.body)) return std::string("not XML");
    const pugi::xml_node e = doc.document_element();
    if (local_name(e) != "Erreur" || namespace_of(e) != kOmpicNs) return std::string("not Erreur");
    return text(child(e, kOmpicNs, "Code"));
  };
  EXPECT_EQ(code(ompic_by_ice(o, "001561191000065")), "ICE_INVALIDE");
  EXPECT_EQ(ompic_by_ice(o, "001561191000065").status, 400u);
  EXPECT_EQ(code(ompic_by_ice(o, "1561191000066")), "ICE_INVALIDE");
  EXPECT_EQ(code(handle_ompic({"GET", "/rc/api/v1/entreprises", "", "", ""}, o)), "ICE_INVALIDE");
  EXPECT_EQ(code(ompic_by_rc(o, "casablanca", "412345")), "TRIBUNAL_INCONNU");
  EXPECT_EQ(ompic_by_rc(o, "PARIS", "412345").status, 400u);
  EXPECT_EQ(ompic_by_rc(o, "RABAT", "12a").status, 404u);

  const std::string not_found = make_ice(123456000, 0);
  EXPECT_EQ(ompic_by_ice(o, not_found).status, 404u);
  EXPECT_EQ(code(ompic_by_ice(o, not_found)), "ENTREPRISE_INCONNUE");
  EXPECT_EQ(ompic_by_rc(o, "RABAT", "41000").status, 404u);
  // The enterprise part decides, not the establishment part.
  EXPECT_EQ(ompic_by_ice(o, make_ice(123456789, 0)).status, 200u);
  EXPECT_EQ(ompic_by_ice(o, make_ice(123456999, 0)).status, 500u);
  Reply r = ompic_by_ice(o, make_ice(123456998, 0));
  EXPECT_EQ(r.status, 200u);
  pugi::xml_document doc;
  EXPECT_FALSE(parse_xml(doc, r.body));
  EXPECT_EQ(ompic_by_ice(o, make_ice(123456997, 0)).delay, std::chrono::seconds(30));
  r = ompic_by_ice(o, make_ice(123456996, 0));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.headers.at(0), std::make_pair(std::string("Retry-After"), std::string("1")));
  EXPECT_EQ(ompic_by_rc(o, "RABAT", "41999").status, 500u);

  EXPECT_EQ(
      handle_ompic({"GET", "/rc/api/v2/entreprises?ice=001561191000066", "", "", ""}, o).status,
      404u);
  EXPECT_EQ(handle_ompic({"GET", "/rc/api/v1/entreprises/RABAT", "", "", ""}, o).status, 404u);
  EXPECT_EQ(
      handle_ompic({"DELETE", "/rc/api/v1/entreprises?ice=001561191000066", "", "", ""}, o).status,
      405u);
}

TEST(Ompic, EstablishmentIcesLeadToTheirCompany) {
  std::size_t checked = 0;
  for (const std::string& ice : sample_ices(400, 34)) {
    const Reply r = ompic_by_ice(strict_options(), ice);
    pugi::xml_document doc;
    ASSERT_TRUE(parse_xml(doc, r.body));
    const pugi::xml_node list = child(doc.document_element(), kOmpicNs, "Etablissements");
    for (pugi::xml_node est : children(list, kOmpicNs, "Etablissement")) {
      const Reply again = ompic_by_ice(strict_options(), est.attribute("ice").value());
      EXPECT_EQ(again.body, r.body);
      ++checked;
    }
  }
  EXPECT_GT(checked, 50u);
}

TEST(Ompic, SameRequestSameBytes) {
  for (const std::string& ice : sample_ices(300, 35)) {
    EXPECT_EQ(ompic_by_ice(default_options(), ice).body, ompic_by_ice(default_options(), ice).body);
  }
}

}  // namespace
}  // namespace sim::testing
