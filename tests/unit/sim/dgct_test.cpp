// DGCT's family booklet against partners/dgct.md, and its consistency with DGSN.
#include "contract_support.hpp"
#include "sim/data/identifiers.hpp"
#include "sim/data/people.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;

void check_act(const rapidjson::Value& act, bool with_date, std::vector<std::string>& problems) {
  if (!act.IsObject()) {
    problems.push_back("act is not an object");
    return;
  }
  const std::string numero = string_or_empty(act, "numero");
  const std::size_t slash = numero.find('/');
  if (slash == std::string::npos || slash == 0 || numero.size() - slash != 5) {
    problems.push_back("act numero " + numero);
  }
  if (string_or_empty(act, "commune").empty()) problems.push_back("act commune");
  if (with_date && !is_iso_date(string_or_empty(act, "date"))) problems.push_back("act date");
}

// An optional key: absent, null, or an ISO date not after the reference date.
bool optional_date(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it == o.MemberEnd() || it->value.IsNull() ||
         (it->value.IsString() && is_iso_date(it->value.GetString()) &&
          std::string_view(it->value.GetString()) <= "2026-11-27");
}

void expect_keys(const rapidjson::Value& o, const std::vector<std::string>& expected, bool strict,
                 std::vector<std::string>& problems, const char* what) {
  if (strict && keys(o) != expected) problems.push_back(std::string("strict key order of ") + what);
}

std::vector<std::string> check_booklet(const rapidjson::Document& d, std::string_view cnie,
                                       bool strict) {
  std::vector<std::string> p;
  if (!d.IsObject()) return {"not an object"};
  expect_keys(d, {"titulaire", "conjoints", "enfants", "miseAJour"}, strict, p, "booklet");
  if (!is_rfc3339_utc(string_or_empty(d, "miseAJour"))) p.push_back("miseAJour");
  if (!d.HasMember("titulaire") || !d["titulaire"].IsObject()) return {"titulaire"};
  const auto& t = d["titulaire"];
  expect_keys(t, {"cnie", "nom", "prenom", "dateNaissance", "acteNaissance", "dateDeces"}, strict,
              p, "titulaire");
  if (string_or_empty(t, "cnie") != cnie) p.push_back("titulaire.cnie");
  if (string_or_empty(t, "nom").empty() || string_or_empty(t, "prenom").empty())
    p.push_back("names");
  if (!is_iso_date(string_or_empty(t, "dateNaissance"))) p.push_back("titulaire.dateNaissance");
  if (t.HasMember("acteNaissance")) check_act(t["acteNaissance"], false, p);
  if (!optional_date(t, "dateDeces")) p.push_back("titulaire.dateDeces");
  if (!d.HasMember("conjoints") || !d["conjoints"].IsArray()) return {"conjoints"};
  if (!d.HasMember("enfants") || !d["enfants"].IsArray()) return {"enfants"};
  for (const auto& s : d["conjoints"].GetArray()) {
    expect_keys(s,
                {"cnie", "nom", "prenom", "dateNaissance", "sexe", "acteMariage", "situation",
                 "dateDissolution"},
                strict, p, "conjoint");
    if (!identifiers::valid_cnie(string_or_empty(s, "cnie"))) p.push_back("conjoint.cnie");
    if (!is_iso_date(string_or_empty(s, "dateNaissance"))) p.push_back("conjoint.dateNaissance");
    const std::string sex = string_or_empty(s, "sexe");
    if (sex != "M" && sex != "F") p.push_back("conjoint.sexe");
    if (s.HasMember("acteMariage")) check_act(s["acteMariage"], true, p);
    const std::string situation = string_or_empty(s, "situation");
    if (situation != "MARIE" && situation != "DIVORCE" && situation != "VEUF") {
      p.push_back("situation " + situation);
    }
    const bool dissolved = is_iso_date(string_or_empty(s, "dateDissolution"));
    if (situation != "MARIE" && !dissolved) p.push_back("dateDissolution missing");
    if (situation == "MARIE" && !optional_date(s, "dateDissolution"))
      p.push_back("dateDissolution");
    if (situation == "MARIE" && dissolved) p.push_back("dateDissolution on a marriage");
  }
  for (const auto& c : d["enfants"].GetArray()) {
    expect_keys(c, {"nom", "prenom", "sexe", "dateNaissance", "acteNaissance", "cnie", "dateDeces"},
                strict, p, "enfant");
    if (string_or_empty(c, "nom").empty() || string_or_empty(c, "prenom").empty()) {
      p.push_back("enfant names");
    }
    const std::string sex = string_or_empty(c, "sexe");
    if (sex != "M" && sex != "F") p.push_back("enfant.sexe");
    if (!is_iso_date(string_or_empty(c, "dateNaissance"))) p.push_back("enfant.dateNaissance");
    if (c.HasMember("acteNaissance")) check_act(c["acteNaissance"], false, p);
    if (c.HasMember("cnie") && !c["cnie"].IsNull() &&
        !identifiers::valid_cnie(string_or_empty(c, "cnie"))) {
      p.push_back("enfant.cnie");
    }
    if (!optional_date(c, "dateDeces")) p.push_back("enfant.dateDeces");
  }
  return p;
}

Citizen citizen(std::string_view cnie) {
  const Reply r = dgsn(strict_options(), cnie);
  std::vector<std::string> problems;
  Citizen c = read_citizen(r.body, true, problems);
  EXPECT_TRUE(problems.empty()) << cnie << ": " << join(problems);
  return c;
}

class DgctContract : public ::testing::TestWithParam<bool> {};

TEST_P(DgctContract, EveryBookletFollowsTheContractAndAgreesWithDgsn) {
  const bool strict = GetParam();
  const Options o = strict ? strict_options() : default_options();
  std::map<std::string, std::size_t> seen;
  std::size_t spouses = 0, reciprocal = 0;
  for (const std::string& cnie : sample_cnies(kSample, 21)) {
    const Reply r = dgct(o, cnie);
    ASSERT_EQ(r.status, 200u) << cnie;
    EXPECT_EQ(r.content_type, "application/json");
    rapidjson::Document d;
    ASSERT_TRUE(parse_json(d, r.body)) << r.body;
    const auto problems = check_booklet(d, cnie, strict);
    ASSERT_TRUE(problems.empty()) << cnie << ": " << join(problems) << "\n" << r.body;

    // The holder is the person DGSN knows.
    const Citizen me = citizen(cnie);
    const auto& t = d["titulaire"];
    EXPECT_EQ(string_or_empty(t, "nom"), me.last) << cnie;
    EXPECT_EQ(string_or_empty(t, "prenom"), me.first) << cnie;
    EXPECT_EQ(string_or_empty(t, "dateNaissance"), dmy_to_iso(me.birth)) << cnie;
    EXPECT_EQ(me.death.empty() ? std::string() : dmy_to_iso(me.death),
              string_or_empty(t, "dateDeces"))
        << cnie;

    std::size_t married_now = 0;
    std::vector<std::string> family_names = {me.last};
    const bool common_form = dense_cnie_index(cnie).has_value();
    for (const auto& s : d["conjoints"].GetArray()) {
      spouses += common_form;
      const std::string spouse_cnie = string_or_empty(s, "cnie");
      const std::string situation = string_or_empty(s, "situation");
      ++seen[situation];
      married_now += situation == "MARIE";
      // The spouse's CNIE resolves at DGSN to that spouse, of the other sex.
      const Citizen other = citizen(spouse_cnie);
      EXPECT_EQ(other.last, string_or_empty(s, "nom")) << cnie << " -> " << spouse_cnie;
      EXPECT_EQ(other.first, string_or_empty(s, "prenom")) << spouse_cnie;
      EXPECT_EQ(dmy_to_iso(other.birth), string_or_empty(s, "dateNaissance")) << spouse_cnie;
      EXPECT_EQ(other.sex, string_or_empty(s, "sexe")) << spouse_cnie;
      EXPECT_NE(other.sex, me.sex) << cnie << " -> " << spouse_cnie;
      family_names.push_back(other.last);
      if (situation == "VEUF") {
        const std::string end = string_or_empty(s, "dateDissolution");
        EXPECT_TRUE(dmy_to_iso(other.death.empty() ? "00/00/0000" : other.death) == end ||
                    (!me.death.empty() && dmy_to_iso(me.death) == end))
            << "a widowhood needs a death: " << cnie;
      } else {
        EXPECT_TRUE(other.death.empty()) << spouse_cnie;
      }
      // Whether the spouse's own booklet names this person.
      rapidjson::Document back;
      ASSERT_TRUE(parse_json(back, dgct(o, spouse_cnie).body));
      for (const auto& s2 : back["conjoints"].GetArray()) {
        if (string_or_empty(s2, "cnie") == cnie) {
          reciprocal += common_form;
          EXPECT_EQ(string_or_empty(s2, "situation"), situation);
          break;
        }
      }
    }
    if (me.sex == "F") {
      EXPECT_LE(married_now, 1u) << cnie;
    } else {
      EXPECT_LE(married_now, 4u) << cnie;
    }

    for (const auto& c : d["enfants"].GetArray()) {
      ++seen["child"];
      const std::string child_last = string_or_empty(c, "nom");
      // Children carry their father's name: the holder's or a spouse's.
      EXPECT_NE(std::find(family_names.begin(), family_names.end(), child_last), family_names.end())
          << cnie;
      EXPECT_LT(string_or_empty(t, "dateNaissance"), string_or_empty(c, "dateNaissance"));
      if (c.HasMember("dateDeces") && c["dateDeces"].IsString()) ++seen["dead child"];
      if (c.HasMember("cnie") && c["cnie"].IsString()) {
        ++seen["child with cnie"];
        const Citizen kid = citizen(c["cnie"].GetString());
        EXPECT_EQ(kid.last, child_last);
        EXPECT_EQ(kid.first, string_or_empty(c, "prenom"));
        EXPECT_EQ(kid.sex, string_or_empty(c, "sexe"));
        EXPECT_EQ(dmy_to_iso(kid.birth), string_or_empty(c, "dateNaissance"));
      }
    }
    seen[std::to_string(d["conjoints"].Size()) + " spouses"]++;
  }
  // The mix the brief asks for: every situation, adults with cards, the occasional polygamy.
  for (const char* k : {"MARIE", "DIVORCE", "VEUF", "child", "dead child", "child with cnie",
                        "0 spouses", "1 spouses", "2 spouses"}) {
    EXPECT_GT(seen[k], 0u) << k;
  }
  EXPECT_GT(seen["3 spouses"] + seen["4 spouses"], 0u);
  // Paired spouses (the common two-letter, six-digit numbers) name each other; one-sided unions
  // (second marriages, other forms of number) need not.
  EXPECT_GT(reciprocal, spouses * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(Modes, DgctContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

// With a conflict share, DGCT's booklet disagrees with DGSN on exactly the CNIEs the rule names
// (last two digits below 100 × share: even, the family name; odd, the birth year), and on nothing
// else; with no share (the default) it never does.
TEST(Dgct, DisagreesWithDgsnOnTheShareTheRuleNames) {
  Options o = default_options();
  o.conflict_share = 0.1;
  std::size_t names = 0, births = 0;
  for (const std::string& cnie : sample_cnies(2000, 23)) {
    rapidjson::Document d;
    ASSERT_TRUE(parse_json(d, dgct(o, cnie).body)) << cnie;
    rapidjson::Document agreed;
    ASSERT_TRUE(parse_json(agreed, dgct(default_options(), cnie).body)) << cnie;
    const auto& t = d["titulaire"];
    const auto& a = agreed["titulaire"];
    const std::string digits(cnie_digits(cnie));
    const int n = std::stoi(digits.substr(digits.size() < 2 ? 0 : digits.size() - 2));
    const bool name_differs = upper(string_or_empty(t, "nom")) != upper(string_or_empty(a, "nom"));
    const bool birth_differs =
        string_or_empty(t, "dateNaissance") != string_or_empty(a, "dateNaissance");
    EXPECT_EQ(name_differs, n < 10 && n % 2 == 0) << cnie << " " << string_or_empty(t, "nom");
    EXPECT_EQ(birth_differs, n < 10 && n % 2 == 1) << cnie;
    if (birth_differs) {
      EXPECT_EQ(std::stoi(string_or_empty(t, "dateNaissance").substr(0, 4)),
                std::stoi(string_or_empty(a, "dateNaissance").substr(0, 4)) + 1)
          << cnie;
    }
    EXPECT_EQ(string_or_empty(t, "prenom"), string_or_empty(a, "prenom")) << cnie;
    EXPECT_TRUE(d["conjoints"] == agreed["conjoints"] && d["enfants"] == agreed["enfants"]) << cnie;
    names += name_differs;
    births += birth_differs;
  }
  // About 5 % each of 2000: the rule really selects people in both kinds.
  EXPECT_GT(names, 40u);
  EXPECT_GT(births, 40u);
  EXPECT_EQ(disagreement_of("BK123400", 0), Disagreement::none);
  EXPECT_EQ(disagreement_of("BK123400", 0.02), Disagreement::last_name);
  EXPECT_EQ(disagreement_of("BK123401", 0.02), Disagreement::birth_date);
  EXPECT_EQ(disagreement_of("BK123402", 0.02), Disagreement::none);
  EXPECT_EQ(disagreement_of("A5", 0.1), Disagreement::birth_date);
  EXPECT_EQ(misspelt("BENNANI"), "BENANI");
  EXPECT_EQ(misspelt("MEKOUAR"), "MEKKOUAR");
  EXPECT_EQ(misspelt("EL AMRANI"), "ELL AMRANI");
}

TEST(Dgct, SameRequestSameBytesAndVariedKeyOrder) {
  std::size_t reordered = 0;
  for (const std::string& cnie : sample_cnies(300, 22)) {
    const Reply a = dgct(default_options(), cnie);
    EXPECT_EQ(a.body, dgct(default_options(), cnie).body);
    EXPECT_EQ(dgct(strict_options(), cnie).body, dgct(strict_options(), cnie).body);
    reordered += !a.body.starts_with("{\"titulaire\":{\"cnie\"");
  }
  EXPECT_GT(reordered, 200u);
}

TEST(Dgct, Purpose) {
  for (const std::string motif : {"IMMATRICULATION", "AYANTS_DROIT", "CONTROLE"}) {
    EXPECT_EQ(dgct(default_options(), "BK123456", motif).status, 200u) << motif;
  }
  for (const std::string motif : {"", "AFFILIATION", "controle"}) {
    const Reply r = dgct(default_options(), "BK123456", motif);
    EXPECT_EQ(r.status, 403u) << motif;
    EXPECT_EQ(r.kind, "forbidden");
  }
}

TEST(Dgct, ErrorsAndReservedNumbers) {
  const Options o = default_options();
  auto code = [](const Reply& r) {
    rapidjson::Document d;
    return parse_json(d, r.body) ? string_or_empty(d, "code") : std::string("not JSON");
  };
  Reply r = dgct(o, "bk123456");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code(r), "CNIE_INVALIDE");
  r = dgct(o, "BK123000");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code(r), "PERSONNE_INCONNUE");
  r = dgct(o, "BK123999");
  EXPECT_EQ(r.status, 500u);
  r = dgct(o, "BK123998");
  EXPECT_EQ(r.status, 200u);
  rapidjson::Document d;
  EXPECT_FALSE(parse_json(d, r.body));
  r = dgct(o, "BK123997");
  EXPECT_EQ(r.delay, std::chrono::seconds(30));
  EXPECT_TRUE(parse_json(d, r.body));
  r = dgct(o, "BK123996");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.headers.at(0), std::make_pair(std::string("Retry-After"), std::string("1")));

  EXPECT_EQ(
      handle_dgct({"GET", "/api/etat-civil/v1/personnes/BK123456", "", "CONTROLE", ""}, o).status,
      404u);
  EXPECT_EQ(
      handle_dgct({"GET", "/api/etat-civil/v1/personnes//famille", "", "CONTROLE", ""}, o).status,
      404u);
  EXPECT_EQ(
      handle_dgct({"POST", "/api/etat-civil/v1/personnes/BK123456/famille", "", "CONTROLE", ""}, o)
          .status,
      405u);
}

TEST(Dgct, ReservedNumbersNeverAppearAsRelatives) {
  for (const std::string& cnie : sample_cnies(2000, 23)) {
    rapidjson::Document d;
    ASSERT_TRUE(parse_json(d, dgct(strict_options(), cnie).body));
    for (const auto& s : d["conjoints"].GetArray()) {
      EXPECT_EQ(reserved_of(cnie_digits(string_or_empty(s, "cnie"))), Reserved::none);
    }
    for (const auto& c : d["enfants"].GetArray()) {
      if (c["cnie"].IsString()) {
        EXPECT_EQ(reserved_of(cnie_digits(c["cnie"].GetString())), Reserved::none);
      }
    }
  }
}

}  // namespace
}  // namespace sim::testing
