// The events DGCT and OMPIC push, against their contracts and the world they describe.
#include "sim/data/events.hpp"
#include "contract_support.hpp"
#include "sim/data/identifiers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;

Citizen citizen(std::string_view cnie) {
  std::vector<std::string> problems;
  Citizen c = read_citizen(dgsn(strict_options(), cnie).body, true, problems);
  EXPECT_TRUE(problems.empty()) << cnie << ": " << join(problems);
  return c;
}

void check_act(const rapidjson::Value& d, std::vector<std::string>& p) {
  if (!is_iso_date(string_or_empty(d, "dateActe"))) p.push_back("dateActe");
  if (!d.HasMember("acte") || string_or_empty(d["acte"], "numero").empty() ||
      string_or_empty(d["acte"], "commune").empty()) {
    p.push_back("acte");
  }
}

// The person an event names resolves at DGSN to the same name, sex and birth date.
void expect_resolves(const rapidjson::Value& who) {
  const Citizen c = citizen(string_or_empty(who, "cnie"));
  EXPECT_EQ(c.last, string_or_empty(who, "nom"));
  EXPECT_EQ(c.first, string_or_empty(who, "prenom"));
  EXPECT_EQ(c.sex, string_or_empty(who, "sexe"));
  EXPECT_EQ(dmy_to_iso(c.birth), string_or_empty(who, "dateNaissance"));
  EXPECT_TRUE(c.death.empty());
}

class DgctEvents : public ::testing::TestWithParam<bool> {};

TEST_P(DgctEvents, FollowTheContractAndNameExistingPeople) {
  const Options o = GetParam() ? strict_options() : default_options();
  const std::vector<Event> events = dgct_events(99, kSample, o);
  ASSERT_EQ(events.size(), kSample);
  std::set<std::string> ids;
  std::map<std::string, std::size_t> types;
  for (const Event& e : events) {
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate " << e.id;
    EXPECT_TRUE(e.id.starts_with("dgct-2026-") && e.id.size() == 19 &&
                all_digits(std::string_view(e.id).substr(10)))
        << e.id;
    EXPECT_EQ(e.content_type, "application/json");
    rapidjson::Document d;
    ASSERT_TRUE(parse_json(d, e.body)) << e.body;
    EXPECT_EQ(string_or_empty(d, "evenementId"), e.id);
    EXPECT_EQ(string_or_empty(d, "type"), e.type);
    ++types[e.type];
    std::vector<std::string> p;
    check_act(d, p);
    ASSERT_TRUE(p.empty()) << join(p) << e.body;
    if (e.type == "NAISSANCE") {
      const auto& child = d["personne"];
      EXPECT_TRUE(child["cnie"].IsNull());
      EXPECT_TRUE(is_iso_date(string_or_empty(child, "dateNaissance")));
      ASSERT_TRUE(d["parents"].IsArray() && d["parents"].Size() == 2) << e.body;
      const auto& father = d["parents"][0];
      const auto& mother = d["parents"][1];
      EXPECT_EQ(string_or_empty(father, "role"), "PERE");
      EXPECT_EQ(string_or_empty(mother, "role"), "MERE");
      const Citizen f = citizen(string_or_empty(father, "cnie"));
      const Citizen m = citizen(string_or_empty(mother, "cnie"));
      EXPECT_EQ(f.sex, "M");
      EXPECT_EQ(m.sex, "F");
      EXPECT_EQ(string_or_empty(child, "nom"), f.last);
      // The parents are married to each other in DGCT's own booklet.
      rapidjson::Document booklet;
      ASSERT_TRUE(
          parse_json(booklet, dgct(strict_options(), string_or_empty(father, "cnie")).body));
      EXPECT_EQ(string_or_empty(booklet["conjoints"][0], "cnie"), string_or_empty(mother, "cnie"));
    } else if (e.type == "MARIAGE" || e.type == "DIVORCE") {
      ASSERT_TRUE(d["epoux"].IsArray() && d["epoux"].Size() == 2) << e.body;
      expect_resolves(d["epoux"][0]);
      expect_resolves(d["epoux"][1]);
      EXPECT_NE(string_or_empty(d["epoux"][0], "sexe"), string_or_empty(d["epoux"][1], "sexe"));
      if (e.type == "DIVORCE") {
        EXPECT_TRUE(is_iso_date(string_or_empty(d, "dateDissolution")));
      }
    } else {
      ASSERT_EQ(e.type, "DECES");
      expect_resolves(d["personne"]);
      EXPECT_TRUE(is_iso_date(string_or_empty(d["personne"], "dateDeces")));
    }
    if (o.strict) {
      EXPECT_EQ(keys(d).at(0), "evenementId");
      EXPECT_EQ(keys(d).at(1), "type");
    }
  }
  for (const char* t : {"NAISSANCE", "MARIAGE", "DIVORCE", "DECES"}) EXPECT_GT(types[t], 0u) << t;
}

INSTANTIATE_TEST_SUITE_P(Modes, DgctEvents, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

class OmpicEvents : public ::testing::TestWithParam<bool> {};

TEST_P(OmpicEvents, HoldOneCompanyThatOmpicKnows) {
  const Options o = GetParam() ? strict_options() : default_options();
  const std::vector<Event> events = ompic_events(7, kSample, o);
  std::set<std::string> ids;
  std::map<std::string, std::size_t> types;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate " << e.id;
    EXPECT_TRUE(e.id.starts_with("ompic-2026-") && e.id.size() == 19) << e.id;
    EXPECT_EQ(e.content_type, "application/xml");
    ++types[e.type];
    pugi::xml_document doc;
    ASSERT_TRUE(parse_xml(doc, e.body)) << e.body;
    const pugi::xml_node root = doc.document_element();
    EXPECT_EQ(local_name(root), "EvenementRC");
    EXPECT_EQ(namespace_of(root), kOmpicNs);
    EXPECT_EQ(std::string(root.attribute("id").value()), e.id);
    EXPECT_EQ(std::string(root.attribute("type").value()), e.type);
    const auto companies = children(root, kOmpicNs, "Entreprise");
    ASSERT_EQ(companies.size(), 1u);
    ASSERT_EQ(child_names(root).size(), 1u);
    const std::string ice = text(child(companies[0], kOmpicNs, "ICE"));
    ASSERT_TRUE(identifiers::valid_ice(ice));
    const std::string status = text(child(companies[0], kOmpicNs, "Statut"));
    const std::string registered =
        text(child(child(companies[0], kOmpicNs, "Immatriculation"), kOmpicNs, "Date"));
    if (e.type == "CREATION") {
      EXPECT_GE(registered, "2026-10-01") << e.body;
      EXPECT_EQ(status, "ACTIVE");
    } else if (e.type == "RADIATION") {
      EXPECT_EQ(status, "RADIEE");
    }
    if (o.strict) {
      EXPECT_EQ(prefix_of(root), "rc");
      EXPECT_TRUE(e.body.find("<rc:EvenementRC xmlns:rc=\"http://www.ompic.ma/rc/v1\" id=\"" +
                              e.id + "\" type=\"" + e.type + "\"><rc:Entreprise dateExtrait=") !=
                  std::string::npos);
    }
    if (i % 10 == 0) {
      // The register answers for that ICE with the same company.
      pugi::xml_document company;
      ASSERT_TRUE(parse_xml(company, ompic_by_ice(o, ice).body));
      EXPECT_EQ(text(child(company.document_element(), kOmpicNs, "Denomination")),
                text(child(companies[0], kOmpicNs, "Denomination")));
    }
  }
  for (const char* t : {"CREATION", "MODIFICATION", "RADIATION"}) EXPECT_GT(types[t], 0u) << t;
  EXPECT_GT(types["CREATION"], kSample / 2);
}

INSTANTIATE_TEST_SUITE_P(Modes, OmpicEvents, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

TEST(Events, StableAndPrefixStable) {
  const auto a = dgct_events(5, 50, default_options());
  const auto b = dgct_events(5, 80, default_options());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].body, b[i].body);
  }
  const auto c = ompic_events(5, 20, default_options());
  const auto d = ompic_events(5, 20, default_options());
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_EQ(c[i].body, d[i].body);
  EXPECT_NE(dgct_events(6, 1, default_options())[0].id, a[0].id);
}

}  // namespace
}  // namespace sim::testing
