// ANRC's households and eligibility events against partners/anrc.md, and their consistency with
// DGSN.
#include "contract_support.hpp"
#include "sim/data/events.hpp"
#include "sim/data/identifiers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;
constexpr std::string_view kPath = "/rsu/api/v1/menages?cnie=";
const std::set<std::string> kLiens = {"CHEF", "CONJOINT", "ENFANT", "ASCENDANT", "AUTRE"};

// "9.15" -> 91500000: a decimal written with up to seven decimals, as an integer; -1 otherwise.
long long scaled7(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (!all_digits(whole) || whole.size() > 3) return -1;
  if (dot != std::string_view::npos && (frac.size() > 7 || !all_digits(frac))) return -1;
  std::string f(frac);
  f.resize(7, '0');
  return std::stoll(std::string(whole)) * 10'000'000 + std::stoll(f);
}

std::size_t decimals(std::string_view s) {
  const std::size_t dot = s.find('.');
  return dot == std::string_view::npos ? 0 : s.size() - dot - 1;
}

// What the varied mode is meant to produce; counted over the sample.
struct Seen {
  std::size_t registered = 0, not_registered = 0, stated = 0, eligible = 0, at_threshold = 0;
  std::size_t no_programme = 0, other_programme = 0, extra_keys = 0, short_decimals = 0;
  std::size_t null_cnie = 0, absent_cnie = 0, arabic = 0, absent_optional = 0, ascendants = 0;
  std::size_t spouses = 0, children = 0;
};

bool only_keys(const rapidjson::Value& o, const std::set<std::string>& known) {
  for (const std::string& k : keys(o)) {
    if (!known.contains(k)) return false;
  }
  return true;
}

void check_member(const rapidjson::Value& m, bool strict, std::vector<std::string>& p, Seen& seen) {
  if (!m.IsObject()) return p.push_back("member not an object");
  if (!m.HasMember("cnie")) {
    ++seen.absent_cnie;
  } else if (m["cnie"].IsNull()) {
    ++seen.null_cnie;
  } else if (!identifiers::valid_cnie(string_or_empty(m, "cnie"))) {
    p.push_back("member cnie");
  }
  const std::string lien = string_or_empty(m, "lien");
  if (!kLiens.contains(lien)) p.push_back("lien " + lien);
  seen.ascendants += lien == "ASCENDANT";
  seen.spouses += lien == "CONJOINT";
  seen.children += lien == "ENFANT";
  const std::string nom = string_or_empty(m, "nom");
  if (nom.empty() || string_or_empty(m, "prenom").empty()) p.push_back("member names");
  seen.arabic += has_arabic(nom);
  if (m.HasMember("dateNaissance")) {
    const std::string born = string_or_empty(m, "dateNaissance");
    if (!is_iso_date(born) || born > "2026-11-27") p.push_back("dateNaissance " + born);
  } else {
    ++seen.absent_optional;
  }
  if (!only_keys(m, {"cnie", "lien", "nom", "prenom", "dateNaissance"})) ++seen.extra_keys;
  if (strict &&
      keys(m) != std::vector<std::string>{"cnie", "lien", "nom", "prenom", "dateNaissance"}) {
    p.push_back("strict member shape");
  }
}

void check_programmes(const rapidjson::Value& d, long long index, bool strict,
                      std::vector<std::string>& p, Seen& seen) {
  if (!d.HasMember("eligibilites")) {
    ++seen.absent_optional;
    return;
  }
  const auto& list = d["eligibilites"];
  if (!list.IsArray()) return p.push_back("eligibilites not an array");
  if (list.Empty()) ++seen.no_programme;
  std::size_t tadamon = 0;
  for (const auto& e : list.GetArray()) {
    const std::string programme = string_or_empty(e, "programme");
    const long long threshold = scaled7(string_or_empty(e, "seuil"));
    if (programme.empty() || threshold < 0 || !e.HasMember("eligible") || !e["eligible"].IsBool() ||
        !is_iso_date(string_or_empty(e, "depuis"))) {
      p.push_back("programme entry");
      continue;
    }
    // The contract: eligible when the index is at or under the programme's threshold.
    if (e["eligible"].GetBool() != (index <= threshold)) p.push_back("eligible vs index, seuil");
    if (!only_keys(e, {"programme", "eligible", "seuil", "depuis"})) ++seen.extra_keys;
    if (programme != "AMO_TADAMON") {
      ++seen.other_programme;
      continue;
    }
    ++tadamon;
    ++seen.stated;
    seen.eligible += e["eligible"].GetBool();
    seen.at_threshold += index == threshold;
    if (strict && keys(e) != std::vector<std::string>{"programme", "eligible", "seuil", "depuis"})
      p.push_back("strict programme shape");
  }
  if (tadamon > 1) p.push_back("AMO_TADAMON twice");
  if (strict && (list.Size() != 1 || tadamon != 1)) p.push_back("strict: AMO_TADAMON alone");
}

// Checks a 200 answer for `cnie` against anrc.md; the person asked is a member as DGSN knows them.
std::vector<std::string> check_household(const rapidjson::Document& d, const std::string& cnie,
                                         bool strict, Seen& seen) {
  std::vector<std::string> p;
  if (!d.IsObject() || !d.HasMember("menage") || !d["menage"].IsObject()) return {"no menage"};
  const auto& m = d["menage"];
  const std::string id = string_or_empty(m, "identifiant");
  if (id.size() != 15 || !id.starts_with("M-") || id[6] != '-' ||
      !all_digits(std::string_view(id).substr(2, 4)) || !all_digits(std::string_view(id).substr(7)))
    p.push_back("identifiant " + id);
  const std::string indice = string_or_empty(m, "indice");
  const long long index = scaled7(indice);
  if (index < 0) p.push_back("indice " + indice);
  seen.short_decimals += decimals(indice) < 7;
  if (strict && decimals(indice) != 7) p.push_back("strict: seven decimals");
  const std::string registered = string_or_empty(m, "dateInscription");
  const std::string computed = string_or_empty(m, "dateCalculIndice");
  for (const std::string* date : {&registered, &computed}) {
    if (date->empty()) {
      ++seen.absent_optional;
    } else if (!is_iso_date(*date) || *date > "2026-11-27") {
      p.push_back("date " + *date);
    }
  }
  if (!registered.empty() && !computed.empty() && computed < registered) p.push_back("index date");
  if (!m.HasMember("membres") || !m["membres"].IsArray() || m["membres"].Empty()) {
    p.push_back("membres");
    return p;
  }
  const auto& members = m["membres"];
  std::size_t heads = 0, self = 0;
  for (const auto& member : members.GetArray()) {
    check_member(member, strict, p, seen);
    heads += string_or_empty(member, "lien") == "CHEF";
    if (string_or_empty(member, "cnie") != cnie) continue;
    ++self;
    std::vector<std::string> problems;
    const Citizen c = read_citizen(dgsn(strict_options(), cnie).body, true, problems);
    if (c.last != string_or_empty(member, "nom") || c.first != string_or_empty(member, "prenom") ||
        dmy_to_iso(c.birth) != string_or_empty(member, "dateNaissance")) {
      p.push_back("the person is not as DGSN knows them");
    }
  }
  if (heads != 1 || string_or_empty(members[0], "lien") != "CHEF") p.push_back("one CHEF, first");
  if (self != 1) p.push_back("the person asked is not a member");
  check_programmes(d, index, strict, p, seen);
  if (d.HasMember("miseAJour")) {
    const std::string updated = string_or_empty(d, "miseAJour");
    if (!is_rfc3339_utc(updated) || updated.substr(0, 10) < computed) p.push_back("miseAJour");
  } else {
    ++seen.absent_optional;
  }
  if (!only_keys(d, {"menage", "eligibilites", "miseAJour"}) ||
      !only_keys(m, {"identifiant", "dateInscription", "indice", "dateCalculIndice", "membres"}))
    ++seen.extra_keys;
  if (strict) {
    if (keys(d) != std::vector<std::string>{"menage", "eligibilites", "miseAJour"} ||
        keys(m) != std::vector<std::string>{"identifiant", "dateInscription", "indice",
                                            "dateCalculIndice", "membres"})
      p.push_back("strict shape");
  }
  return p;
}

std::string error_code(const Reply& r) {
  rapidjson::Document d;
  if (!parse_json(d, r.body) || !d.HasMember("erreur")) return "no erreur";
  return string_or_empty(d["erreur"], "code");
}

Seen ask_sample(const Options& o) {
  Seen seen;
  for (const std::string& cnie : sample_cnies(kSample, 51)) {
    const Reply r = anrc(o, std::string(kPath) + cnie);
    rapidjson::Document d;
    EXPECT_TRUE(parse_json(d, r.body)) << cnie << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    if (r.status == 404) {
      EXPECT_EQ(error_code(r), "NON_INSCRIT") << cnie;
      ++seen.not_registered;
      continue;
    }
    EXPECT_EQ(r.status, 200u) << cnie;
    ++seen.registered;
    const auto problems = check_household(d, cnie, o.strict, seen);
    EXPECT_TRUE(problems.empty()) << cnie << ": " << join(problems) << "\n" << r.body;
  }
  return seen;
}

class AnrcContract : public ::testing::TestWithParam<bool> {};

TEST_P(AnrcContract, HouseholdsFollowTheContractAndDgsn) {
  const bool strict = GetParam();
  const Seen seen = ask_sample(strict ? strict_options() : default_options());
  // About 40 % in no registered household; of the others about half eligible.
  EXPECT_GT(seen.not_registered, kSample * 33 / 100);
  EXPECT_LT(seen.not_registered, kSample * 47 / 100);
  EXPECT_GT(seen.eligible, seen.stated * 42 / 100);
  EXPECT_LT(seen.eligible, seen.stated * 58 / 100);
  EXPECT_GT(seen.at_threshold, 0u) << "an index exactly at the threshold is eligible";
  EXPECT_GT(seen.spouses, kSample / 10);
  EXPECT_GT(seen.children, kSample / 10);
  EXPECT_GT(seen.ascendants, 0u);
  EXPECT_GT(seen.null_cnie, 0u);
  if (strict) {
    EXPECT_EQ(seen.stated, seen.registered);
    EXPECT_EQ(seen.no_programme + seen.other_programme + seen.extra_keys + seen.absent_cnie +
                  seen.arabic + seen.absent_optional + seen.short_decimals,
              0u);
  } else {
    for (const auto& [what, n] :
         std::map<std::string, std::size_t>{{"empty eligibilites", seen.no_programme},
                                            {"unknown programme", seen.other_programme},
                                            {"extra keys", seen.extra_keys},
                                            {"fewer than seven decimals", seen.short_decimals},
                                            {"absent member cnie", seen.absent_cnie},
                                            {"Arabic names", seen.arabic},
                                            {"absent optional keys", seen.absent_optional}}) {
      EXPECT_GT(n, 0u) << "the varied mode never gave " << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, AnrcContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

struct Facts {
  unsigned status = 0;
  std::string id, indice;
  long long index = -1;
  std::vector<std::string> members;  // cnie or "-", in order
};

Facts facts_of(const Options& o, const std::string& cnie) {
  const Reply r = anrc(o, std::string(kPath) + cnie);
  Facts f;
  f.status = r.status;
  rapidjson::Document d;
  if (r.status != 200 || !parse_json(d, r.body)) return f;
  f.id = string_or_empty(d["menage"], "identifiant");
  f.indice = string_or_empty(d["menage"], "indice");
  f.index = scaled7(f.indice);
  for (const auto& m : d["menage"]["membres"].GetArray()) {
    const std::string c = string_or_empty(m, "cnie");
    f.members.push_back(c.empty() ? "-" : c);
  }
  return f;
}

TEST(Anrc, EveryMemberWithACnieIsAnsweredTheSameHousehold) {
  std::size_t asked = 0;
  for (const std::string& cnie : sample_cnies(1500, 52)) {
    const Facts f = facts_of(default_options(), cnie);
    if (f.status != 200) continue;
    for (const std::string& member : f.members) {
      if (member == "-" || member == cnie) continue;
      ++asked;
      const Facts other = facts_of(default_options(), member);
      ASSERT_EQ(other.status, 200u) << member << " is in " << f.id << " for " << cnie;
      EXPECT_EQ(other.id, f.id) << member;
      EXPECT_EQ(other.index, f.index) << member;
      EXPECT_EQ(other.members, f.members) << member;
    }
  }
  EXPECT_GT(asked, 100u);
}

TEST(Anrc, VariationChangesTheRenderingNotTheFacts) {
  for (const std::string& cnie : sample_cnies(400, 53)) {
    const Facts varied = facts_of(default_options(), cnie);
    const Facts strict = facts_of(strict_options(), cnie);
    EXPECT_EQ(varied.status, strict.status) << cnie;
    EXPECT_EQ(varied.id, strict.id) << cnie;
    EXPECT_EQ(varied.index, strict.index) << cnie;
    EXPECT_EQ(varied.members, strict.members) << cnie;
    const std::string target = std::string(kPath) + cnie;
    EXPECT_EQ(anrc(default_options(), target).body, anrc(default_options(), target).body);
  }
}

TEST(Anrc, FinaliteParametersAndPaths) {
  const Options o = default_options();
  const std::string ok = std::string(kPath) + "BK123456";
  EXPECT_NE(anrc(o, ok, "CONTROLE").status, 403u);
  for (const std::string_view finalite : {"", "IMMATRICULATION", "amo_tadamon", "CURIOSITE"}) {
    const Reply r = anrc(o, ok, finalite);
    EXPECT_EQ(r.status, 403u) << finalite;
    EXPECT_EQ(error_code(r), "FINALITE_NON_AUTORISEE");
  }
  for (const std::string target :
       {"/rsu/api/v1/menages", "/rsu/api/v1/menages?cnie=bk12",
        "/rsu/api/v1/menages?cnie=", "/rsu/api/v1/menages?ice=001561191000066",
        "/rsu/api/v1/menages?cnie=BK123456&cnie=AB654321"}) {
    const Reply r = anrc(o, target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(error_code(r), "CNIE_INVALIDE") << target;
  }
  EXPECT_EQ(anrc(o, "/rsu/api/v2/menages?cnie=BK123456").status, 404u);
  EXPECT_EQ(anrc(o, "/rsu/api/v1/menages/BK123456").status, 404u);
  EXPECT_EQ(handle_anrc({"POST", ok, "", "", "", "AMO_TADAMON"}, o).status, 405u);
  // The correlation id comes back, as partners log it.
  const Reply echoed = handle_anrc({"GET", ok, "", "", "", "AMO_TADAMON", "a-correlation-id"}, o);
  EXPECT_NE(
      std::find(echoed.headers.begin(), echoed.headers.end(),
                std::make_pair(std::string("X-Correlation-ID"), std::string("a-correlation-id"))),
      echoed.headers.end());
}

TEST(Anrc, ReservedIdentifiers) {
  const Options o = default_options();
  Reply r = anrc(o, std::string(kPath) + "BK123000");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_code(r), "NON_INSCRIT");
  r = anrc(o, std::string(kPath) + "BK123999");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(error_code(r), "INDISPONIBLE");
  rapidjson::Document d;
  for (const char* cnie : {"BK123998", "A998", "ZZ100998"}) {
    r = anrc(o, std::string(kPath) + cnie);
    EXPECT_EQ(r.status, 200u) << cnie;
    EXPECT_FALSE(parse_json(d, r.body)) << cnie;
  }
  for (const char* cnie : {"BK123997", "A997"}) {
    r = anrc(o, std::string(kPath) + cnie);
    EXPECT_EQ(r.status, 200u) << cnie;
    EXPECT_EQ(r.delay, std::chrono::seconds(30));
    EXPECT_TRUE(parse_json(d, r.body));
  }
  r = anrc(o, std::string(kPath) + "AB12996");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(error_code(r), "QUOTA_DEPASSE");
  EXPECT_EQ(r.headers.at(0), std::make_pair(std::string("Retry-After"), std::string("1")));
}

class AnrcEvents : public ::testing::TestWithParam<bool> {};

TEST_P(AnrcEvents, ChangeTheEligibilityOfAHouseholdAnrcAnswersFor) {
  const Options o = GetParam() ? strict_options() : default_options();
  const std::vector<Event> events = anrc_events(11, 600, o);
  std::set<std::string> ids;
  std::size_t to_eligible = 0;
  for (const Event& e : events) {
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate " << e.id;
    EXPECT_TRUE(e.id.starts_with("anrc-2026-") && e.id.size() == 19 &&
                all_digits(std::string_view(e.id).substr(10)))
        << e.id;
    EXPECT_EQ(e.content_type, "application/json");
    EXPECT_EQ(e.type, "CHANGEMENT_ELIGIBILITE");
    rapidjson::Document d;
    ASSERT_TRUE(parse_json(d, e.body)) << e.body;
    EXPECT_EQ(string_or_empty(d, "idEvenement"), e.id);
    EXPECT_EQ(string_or_empty(d, "type"), e.type);
    EXPECT_EQ(string_or_empty(d, "programme"), "AMO_TADAMON");
    EXPECT_GT(string_or_empty(d, "dateEffet"), "2026-11-27");
    EXPECT_TRUE(is_iso_date(string_or_empty(d, "dateEffet")));
    ASSERT_TRUE(d["eligible"].IsBool() && d["membres"].IsArray() && !d["membres"].Empty());
    to_eligible += d["eligible"].GetBool();
    // ANRC answers, for the first member, the household the event names, on the other side of
    // the threshold today.
    const std::string member = d["membres"][0].GetString();
    const Reply now = anrc(strict_options(), std::string(kPath) + member);
    rapidjson::Document h;
    ASSERT_TRUE(now.status == 200 && parse_json(h, now.body)) << member;
    EXPECT_EQ(string_or_empty(h["menage"], "identifiant"), string_or_empty(d, "menage"));
    EXPECT_NE(h["eligibilites"][0]["eligible"].GetBool(), d["eligible"].GetBool());
    std::set<std::string> answered;
    for (const auto& m : h["menage"]["membres"].GetArray())
      answered.insert(string_or_empty(m, "cnie"));
    for (const auto& m : d["membres"].GetArray()) EXPECT_TRUE(answered.contains(m.GetString()));
    if (o.strict) {
      EXPECT_EQ(keys(d), (std::vector<std::string>{"idEvenement", "type", "programme", "menage",
                                                   "membres", "eligible", "dateEffet"}));
    }
  }
  EXPECT_GT(to_eligible, events.size() / 3);
  EXPECT_LT(to_eligible, events.size() * 2 / 3);
  EXPECT_EQ(anrc_events(11, 20, o)[7].body, events[7].body) << "event i is stable";
}

INSTANTIATE_TEST_SUITE_P(Modes, AnrcEvents, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

}  // namespace
}  // namespace sim::testing
