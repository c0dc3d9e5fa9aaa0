// Each partner's answers as the hub classifies them: a documented error body is read by the
// partner's mapping whatever the status (shared/partners/<partner>.md), and a status whose body
// says nothing falls to the partner's adapter (Adapter::classify_status). Asked through the broker
// (tests/unit/exchange/broker_rig.hpp: real adapters and mappings, a partner on loopback that
// answers the table's status and body), since that is where the two are combined.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "unit/exchange/broker_rig.hpp"
#include "support/pki.hpp"

namespace {
using broker_rig::FakePartner;
using broker_rig::Reply;
using broker_rig::Rig;
using hub::Errc;

struct Partner {
  std::string name;
  std::string operation;
  std::string param;
  std::string mapping;
  std::string content_type;
  std::string id;  // a well-formed identifier for the operation
  std::string purpose = "CONTROLE";
};

struct Case {
  unsigned status;
  std::string body;  // "case:<file>": a golden case of the partner's mapping (mappings/<p>/cases)
  Errc expected;
};

std::string body_of(const Partner& p, const std::string& body) {
  if (body.rfind("case:", 0) != 0) return body;
  std::ifstream in(testing_support::source_dir() + "/mappings/" + p.name + "/cases/" +
                   body.substr(5));
  EXPECT_TRUE(in) << body;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Statuses without a body the mapping knows, as every partner's adapter classifies them unless
// the partner's contract says otherwise.
std::vector<Case> bare_statuses() {
  return {{400, "", Errc::invalid_input},
          {403, "", Errc::forbidden_purpose},
          {404, "", Errc::not_found},
          {429, "", Errc::rate_limited},
          {500, "<html>Internal Server Error</html>", Errc::partner_unavailable},
          {502, "", Errc::partner_unavailable},
          {503, "", Errc::partner_unavailable},
          {504, "", Errc::partner_unavailable},
          {301, "", Errc::malformed_response},
          {204, "", Errc::malformed_response},
          {409, "", Errc::malformed_response}};
}

void expect_classified(const Partner& p, std::vector<Case> cases) {
  // A 429 makes the broker hold back from the partner for its Retry-After (1 s when absent): the
  // partner's 429s are asked last.
  std::stable_partition(cases.begin(), cases.end(), [](const Case& k) { return k.status != 429; });
  FakePartner server([](const hub::http::Request&) { return Reply{}; });
  auto endpoint = broker_rig::partner(p.name, server);
  endpoint.adapter = p.name;
  hub::config::HubConfig c;
  c.partners = {endpoint};
  c.exchange.recipes["r"].steps = {broker_rig::step_of(p.name, p.operation, p.param, p.mapping)};
  Rig rig(c);
  rig.purpose = p.purpose;
  for (const auto& k : cases) {
    Reply reply;
    reply.status = k.status;
    reply.body = body_of(p, k.body);
    reply.content_type = p.content_type;
    server.set_script([reply](const hub::http::Request&) { return reply; });
    hub::exchange::Caller fresh;
    fresh.no_cache = true;
    const auto r = rig.prefill("r", p.id, fresh);
    ASSERT_EQ(r.steps.size(), 1u);
    const auto& s = r.steps[0];
    ASSERT_TRUE(s.error) << p.name << " " << k.status << " " << k.body << ": " << s.status;
    EXPECT_EQ(s.error->code, k.expected) << p.name << " " << k.status << " " << k.body << ": "
                                         << hub::code_of(s.error->code) << " " << s.error->message;
  }
}

std::vector<Case> with(std::vector<Case> own) {
  auto all = bare_statuses();
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

TEST(StatusClassification, Dgsn) {
  // SOAP faults come with HTTP 500 (dgsn.md, "Faults"): the fault code decides, not the status.
  expect_classified({"dgsn", "identity", "cnie", "dgsn.identity", "text/xml", "BK123456"},
                    with({{500, "case:identity.fault_not_found.xml", Errc::not_found},
                          {500, "case:identity.fault_invalid_number.xml", Errc::invalid_input},
                          {500, "case:identity.fault_purpose.xml", Errc::forbidden_purpose},
                          {500, "case:identity.fault_server.xml", Errc::partner_unavailable},
                          {200, "case:identity.truncated.xml", Errc::malformed_response},
                          {200, "case:identity.wrong_root.xml", Errc::malformed_response}}));
}

TEST(StatusClassification, Dgct) {
  expect_classified({"dgct", "family", "cnie", "dgct.family", "application/json", "BK123456"},
                    with({{404, "case:family.not_found.json", Errc::not_found},
                          {400, "case:family.invalid_cnie.json", Errc::invalid_input},
                          {500, "case:family.internal_error.json", Errc::partner_unavailable},
                          {200, "case:family.truncated.json", Errc::malformed_response}}));
}

TEST(StatusClassification, Dgi) {
  expect_classified(
      {"dgi", "taxpayer_by_ice", "ice", "dgi.taxpayer", "application/json", "001561191000066"},
      with({{404, R"({"erreur":{"code":"CONTRIBUABLE_INTROUVABLE","message":"x"}})",
             Errc::not_found},
            {400, "case:taxpayer.invalid_parameter.json", Errc::invalid_input},
            {503, R"({"erreur":{"code":"INDISPONIBLE","message":"x"}})", Errc::partner_unavailable},
            {200, "{\"identifiantFiscal\":", Errc::malformed_response}}));
}

TEST(StatusClassification, Ompic) {
  expect_classified(
      {"ompic", "company_by_ice", "ice", "ompic.company", "application/xml", "001561191000066"},
      with({{404, "case:company.not_found.xml", Errc::not_found},
            {400, "case:company.invalid_ice_error.xml", Errc::invalid_input},
            {200, "case:company.truncated.xml", Errc::malformed_response}}));
}

TEST(StatusClassification, Anrc) {
  auto cases = bare_statuses();
  // A bare 404 is a path ANRC does not serve, never "in no household" (anrc.md): only its
  // NON_INSCRIT body says that.
  for (auto& k : cases) {
    if (k.status == 404) k.expected = Errc::partner_unavailable;
  }
  cases.insert(cases.end(), {{404, "case:household.not_registered.json", Errc::not_found},
                             {403, "case:household.purpose_refused.json", Errc::forbidden_purpose},
                             {429, "case:household.rate_limited.json", Errc::rate_limited},
                             {503, "case:household.unavailable.json", Errc::partner_unavailable},
                             {400, "case:household.invalid_cnie.json", Errc::invalid_input},
                             {200, "case:household.truncated.json", Errc::malformed_response}});
  expect_classified({"anrc", "household", "cnie", "anrc.household", "application/json", "BK123456"},
                    cases);
}

}  // namespace
