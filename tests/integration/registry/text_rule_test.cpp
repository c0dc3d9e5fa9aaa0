// The text rule through the real hub and simulators, on SQLite and on PostgreSQL (issue 19, kind
// 1): a partner's no-break spaces and bidi marks are no reason to refuse an agent's plain
// spelling; JSON that parsers disagree on is refused with its code and place, from clients and
// from partners' pushed events alike, and nothing of it is stored; what is stored is clean text.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <random>

#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;
using ts::Reply;
using ts::str;

namespace {

class TextRule : public ts::HubOnEngine {
 protected:
  Reply call(const std::string& who, unsigned short port, const std::string& method,
             const std::string& target, const std::string& body = "") {
    auto ex = ts::https_request(port, ts::client(who), method, target, body,
                                {{"Content-Type", "application/json"}});
    return ts::reply_of(ex);
  }
  Reply agency(const std::string& method, const std::string& target, const std::string& body = "") {
    return call("agency", hub_->port("internal"), method, target, body);
  }
  void dgsn_faults(const std::string& json) {
    auto ex = ts::https_request(sim_->port("dgsn"), ts::SimProcess::hub_client("dgsn"), "PUT",
                                "/_sim/faults", json, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(ex.response && ex.response->result_int() == 200) << ex.error;
  }
  // A person of the synthetic world whose family name has a space (EL AMRANI, AIT TALEB...),
  // never registered before; its prefill answer in `prefill`.
  std::string person_with_compound_name(Reply& prefill) {
    for (int i = 0; i < 300; ++i) {
      const std::string cnie = ts::ordinary_cnie("XT", rng_());
      prefill = agency("POST", "/v1/prefill/person",
                       R"({"cnie":")" + cnie + R"(","purpose":"IMMATRICULATION"})");
      const std::string last = str(prefill.body, "/record/person/last_name");
      if (prefill.status == 200 && str(prefill.body, "/record/person/death_date").empty() &&
          (last.find(' ') != std::string::npos || last.find(kNbsp) != std::string::npos))
        return cnie;
    }
    return "";
  }
  // As an agent types it: plain spaces.
  static std::string typed(std::string s) {
    for (auto at = s.find(kNbsp); at != std::string::npos; at = s.find(kNbsp))
      s.replace(at, 2, " ");
    return s;
  }
  static constexpr const char* kNbsp = "\xC2\xA0";
  std::mt19937_64 rng_{std::random_device{}()};
};

// The issue's example: DGSN writes the name with a no-break space and marks; the agent types it
// with a plain space. Not a contradiction (was 409 contradicts_source), and DGSN's value stands.
TEST_P(TextRule, AnAgentsPlainSpellingOfAMarkedPartnerNameIsAccepted) {
  dgsn_faults(R"({"invisible_marks_rate": 1})");
  Reply prefill;
  const std::string cnie = person_with_compound_name(prefill);
  ASSERT_FALSE(cnie.empty()) << "no compound family name found";
  const std::string last = typed(str(prefill.body, "/record/person/last_name"));
  const std::string first = typed(str(prefill.body, "/record/person/first_name"));
  EXPECT_EQ(str(prefill.body, "/record/person/last_name"), last)
      << "DGSN's no-break space was handed on";
  EXPECT_EQ(str(prefill.body, "/record/person/last_name_ar").find("\xE2\x80\x8F"),
            std::string::npos)
      << "DGSN's right-to-left mark was handed on";
  for (const auto& c : prefill.body["conflicts"].GetArray())
    EXPECT_NE(str(c, "/field"), "last_name") << "a no-break space made a conflict";
  auto r = agency("POST", "/v1/insured",
                  R"({"cnie":")" + cnie + R"(","category":"SALARIE","person":{"last_name":")" +
                      last + R"(","first_name":")" + first + R"("}})");
  ASSERT_EQ(r.status, 201u) << r.raw;
  EXPECT_EQ(str(r.body, "/person/last_name"), last) << r.raw;
  EXPECT_EQ(str(r.body, "/provenance/~1person~1last_name/partner"), "dgsn") << r.raw;
}

// The same name in another case, with other spaces and an RLM, is the partner's name too.
TEST_P(TextRule, EquivalentSpellingsAreNotContradictions) {
  Reply prefill;
  const std::string cnie = person_with_compound_name(prefill);
  ASSERT_FALSE(cnie.empty());
  std::string last = str(prefill.body, "/record/person/last_name");
  std::string spelled;
  for (char c : last) {
    if (c == ' ')
      spelled += "\\u202f ";  // a narrow no-break space and a space: one space once compared
    else
      spelled.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  auto r =
      agency("POST", "/v1/insured",
             R"({"cnie":")" + cnie + R"(","category":"SALARIE","person":{"last_name":"\u200f)" +
                 spelled + R"("}})");
  ASSERT_EQ(r.status, 201u) << r.raw;
  EXPECT_EQ(str(r.body, "/person/last_name"), last) << "the partner's value stands";
  // A different spelling still is one.
  Reply other;
  const std::string cnie2 = person_with_compound_name(other);
  ASSERT_FALSE(cnie2.empty());
  auto refused = agency(
      "POST", "/v1/insured",
      R"({"cnie":")" + cnie2 + R"(","category":"SALARIE","person":{"last_name":"ELOUAZZANI-X"}})");
  EXPECT_EQ(refused.status, 409u) << refused.raw;
  EXPECT_EQ(str(refused.body, "/error/code"), "contradicts_source");
}

// JSON that parsers disagree on is refused with its code and JSON pointer; nothing is stored.
TEST_P(TextRule, AClientsAmbiguousJsonIsRefusedWithItsPlace) {
  const std::string cnie = ts::ordinary_cnie("XU", rng_());
  struct Case {
    std::string body, code, place;
  };
  const std::vector<Case> cases = {
      {R"({"cnie":")" + cnie + R"(","category":"SALARIE","person":{"first_name":"Sa\udc00ra"}})",
       "json_lone_surrogate", "/person/first_name"},
      {R"({"cnie":")" + cnie + R"(","category":"SALARIE","category":"TNS"})", "json_duplicate_key",
       "/category"},
      {R"({"cnie":")" + cnie + R"(","category":"SALARIE","contact":{"address":"12 rue\u0007"}})",
       "text_control_character", "/contact/address"},
      {R"({"cnie":")" + cnie + R"(","category":"SALARIE","person":{"last_name":"A\ufffe"}})",
       "text_noncharacter", "/person/last_name"},
      {"{\"cnie\":\"" + cnie + "\",\"category\":\"SALARIE\",\"person\":{\"last_name\":\"F\xe8s\"}}",
       "invalid_utf8", "at byte"},
  };
  for (const auto& c : cases) {
    auto r = agency("POST", "/v1/insured", c.body);
    EXPECT_EQ(r.status, 400u) << c.code << ": " << r.raw;
    EXPECT_EQ(str(r.body, "/error/code"), c.code) << r.raw;
    EXPECT_NE(str(r.body, "/error/message").find(c.place), std::string::npos) << r.raw;
  }
  auto n = agency("POST", "/v1/prefill/person", R"({"cnie": 12345678901234567890})");
  EXPECT_EQ(n.status, 400u) << n.raw;
  EXPECT_EQ(str(n.body, "/error/code"), "json_number_out_of_range") << n.raw;
  EXPECT_EQ(agency("GET", "/v1/insured?cnie=" + cnie).status, 404u) << "something was stored";
}

// What a client gives is stored as clean text: the entry rule, then the registry's own checks.
// The body starts with a byte order mark, as some Windows clients send (RFC 8259 section 8.1).
TEST_P(TextRule, ClientsTextIsStoredClean) {
  Reply prefill;
  const std::string cnie = person_with_compound_name(prefill);
  ASSERT_FALSE(cnie.empty());
  auto r = agency(
      "POST", "/v1/insured",
      "\xEF\xBB\xBF"
      R"({"cnie":")" +
          cnie +
          R"(","category":"SALARIE","contact":{"address":"12\u00a0rue Ibn\u2009Khaldoun\u200e, Fe\u0300s"}})");
  ASSERT_EQ(r.status, 201u) << r.raw;
  const std::string number = str(r.body, "/immatriculation");
  auto read = agency("GET", "/v1/insured/" + number);
  ASSERT_EQ(read.status, 200u) << read.raw;
  EXPECT_EQ(str(read.body, "/contact/address"), "12 rue Ibn Khaldoun, F\xC3\xA8s") << read.raw;
}

// A partner's pushed event is read by the same rules: DGCT's lone surrogate is refused with its
// code (DGCT gets the reason), and its no-break spaces are not stored.
TEST_P(TextRule, APartnersEventIsReadByTheSameRules) {
  const std::string id = "dgct-text-" + std::to_string(rng_());
  const std::string event = R"({"evenementId":")" + id +
                            R"(","type":"NAISSANCE","dateActe":"2026-11-20",)"
                            R"("acte":{"numero":"4512/2026","commune":"Sal\u00e9"},)"
                            R"("personne":{"nom":"EL\u00a0AMRANI","prenom":"PRENOM",)"
                            R"("sexe":"M","dateNaissance":"2026-11-18","cnie":null},)"
                            R"("parents":[{"cnie":"XT100001","role":"PERE"}]})";
  auto bad = call("dgct", hub_->port("partners"), "POST", "/partner/v1/events",
                  std::string(event).replace(event.find("PRENOM"), 6, "Ad\\udc00am"));
  EXPECT_EQ(bad.status, 400u) << bad.raw;
  EXPECT_EQ(str(bad.body, "/error/code"), "json_lone_surrogate") << bad.raw;
  auto good = call("dgct", hub_->port("partners"), "POST", "/partner/v1/events",
                   std::string(event).replace(event.find("PRENOM"), 6, "Adam"));
  ASSERT_EQ(good.status, 202u) << good.raw;
  auto stored = call("dgct", hub_->port("partners"), "GET", "/partner/v1/events/" + id);
  ASSERT_EQ(stored.status, 200u) << stored.raw;
  EXPECT_EQ(stored.raw.find("\xC2\xA0"), std::string::npos) << stored.raw;
}

// Identifiers as an agent types them (docs/identifiers.md, issue 19 kind 6) are read into their
// canonical form by the registration routes as by the prefill routes: a CNIE in lower case with
// a space, a RIB in groups of four with Arabic-Indic digits and no-break spaces, an ICE with
// dots and dashes. The answer and the stored record hold the canonical form.
TEST_P(TextRule, RegistrationsReadIdentifiersAsPeopleTypeThem) {
  const std::string rib_typed =
      "0018 1000 7800 0201\u00a01062\u202f\u0660\u0663\u0661\u0668";  // kTestRib
  Reply r;
  std::string cnie;
  for (int attempt = 0; attempt < 10 && r.status != 201; ++attempt) {
    cnie = ts::ordinary_cnie("XT", rng_());
    const std::string typed = "xt " + cnie.substr(2, 3) + "-" + cnie.substr(5);
    r = agency("POST", "/v1/insured",
               R"({"cnie":")" + typed + R"(","category":"SALARIE","rib":")" + rib_typed + R"("})");
    if (r.status != 422) break;  // 422: deceased in the synthetic world
  }
  ASSERT_EQ(r.status, 201u) << r.raw;
  EXPECT_EQ(str(r.body, "/cnie"), cnie) << r.raw;
  EXPECT_EQ(str(r.body, "/rib"), ts::kTestRib) << r.raw;
  const std::string number = str(r.body, "/immatriculation");
  EXPECT_EQ(agency("GET", "/v1/insured?cnie=" + cnie).status, 200u) << "not found by its CNIE";
  // Looked up as typed in a search box.
  auto found = agency("GET", "/v1/insured?cnie=" + cnie.substr(0, 2) + "%20" + cnie.substr(2));
  EXPECT_EQ(found.status, 200u) << found.raw;
  EXPECT_EQ(str(found.body, "/immatriculation"), number) << found.raw;
  auto rib = agency("PUT", "/v1/insured/" + number + "/rib",
                    R"({"rib":"0018-1000-7800-0201-1062-0318","reason":"typed"})");
  EXPECT_EQ(rib.status, 200u) << rib.raw;
  EXPECT_EQ(str(rib.body, "/rib"), ts::kTestRib) << rib.raw;
  // Anything else is still refused with the field's path.
  auto bad = agency("PUT", "/v1/insured/" + number + "/rib", R"({"rib":"0018 1000 7800 0201 X"})");
  EXPECT_EQ(bad.status, 400u) << bad.raw;
  EXPECT_NE(str(bad.body, "/error/message").find("/rib"), std::string::npos) << bad.raw;

  Reply employer;
  std::string ice;
  for (int attempt = 0; attempt < 10 && employer.status != 201; ++attempt) {
    ice = ts::random_ice(rng_());
    const std::string typed =
        ice.substr(0, 3) + "." + ice.substr(3, 3) + "." + ice.substr(6, 3) + "-" + ice.substr(9);
    employer = agency("POST", "/v1/employers",
                      R"({"ice":")" + typed +
                          R"(","representatives":[{"cnie":"xt 100 001",)"
                          R"("role":"manager"}]})");
    if (employer.status != 422) break;
  }
  ASSERT_EQ(employer.status, 201u) << employer.raw;
  EXPECT_EQ(str(employer.body, "/ice"), ice) << employer.raw;
  EXPECT_EQ(str(employer.body, "/representatives/XT100001/cnie"), "XT100001") << employer.raw;
  auto by_ice = agency("GET", "/v1/employers?ice=" + ice.substr(0, 3) + "." + ice.substr(3, 6) +
                                  "-" + ice.substr(9));
  EXPECT_EQ(by_ice.status, 200u) << by_ice.raw;
}

INSTANTIATE_TEST_SUITE_P(Engines, TextRule, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
