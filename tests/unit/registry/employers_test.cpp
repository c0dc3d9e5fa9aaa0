// Employers on both engines: affiliation from an ICE alone, refusals with the partner's reason,
// representatives proposed from OMPIC's managers, agency, transfer, suspension, reopening,
// closure, each an event.
#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

const char* kBoth = R"({"company":{"status":"ok"},"taxpayer":{"status":"ok"}})";

std::string company(const std::string& ice, const std::string& status,
                    const std::string& tax_status) {
  return R"({"company":{"ice":")" + ice + R"(","name":"ATLAS TEXTILES","legal_form":"SARL",
  "rc_court":"Casablanca","rc_number":"123456","status":")" +
         status + R"(","head_office":{"line":"1 bd Zerktouni","city":"Casablanca"},
  "managers":[{"last_name":"TAZI","first_name":"Karim","cnie":"BE998877","role":"manager"},
              {"last_name":"SMITH","first_name":"John","passport":"X1","role":"director"}]},
  "taxpayer":{"fiscal_id":"40012345","ice":")" +
         ice + R"(","kind":"company","status":")" + tax_status +
         R"(","status_date":"2025-06-30"}})";
}

class EmployerTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped()) return;
    facts_.companies[kIce] = facts_with_provenance(company(kIce, "active", "active"), kBoth);
  }
  std::string affiliate() {
    auto r = run(registry_->register_employer(std::string(R"({"ice":")") + kIce + "\"}", agent()));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? json::text(body_of(r), "/affiliation_number").value_or("") : "";
  }
};

TEST_P(EmployerTest, AffiliatesFromAnIceAloneWithProvenanceAndProposedRepresentatives) {
  auto r = run(registry_->register_employer(R"({"ice":"001561191000066"})", agent()));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->effect, Effect::created);
  auto b = body_of(r);
  const auto number = json::text(b, "/affiliation_number").value_or("");
  EXPECT_TRUE(identifiers::valid_affiliation(number)) << number << ": a Damm check digit";
  EXPECT_EQ(json::text(b, "/status"), "ACTIVE");
  EXPECT_EQ(json::text(b, "/company/name"), "ATLAS TEXTILES");
  EXPECT_EQ(json::text(b, "/taxpayer/fiscal_id"), "40012345");
  for (const char* f : {"/company/name", "/company/legal_form", "/company/head_office/city"}) {
    const json::Value* p = json::find(b, std::string("/provenance/") + json::escape(f));
    ASSERT_NE(p, nullptr) << f;
    EXPECT_EQ(json::text(*p, "/partner"), "ompic");
  }
  EXPECT_EQ(json::text(*json::find(b, "/provenance/~1taxpayer~1status"), "/partner"), "dgi");
  // The manager with a CNIE is proposed as representative; the one with a passport only is not.
  EXPECT_EQ(json::text(b, "/representatives/BE998877/role"), "manager");
  EXPECT_EQ(json::text(b, "/representatives/BE998877/source"), "ompic");
  EXPECT_EQ(
      json::text(*json::find(b, "/provenance/~1representatives~1BE998877~1last_name"), "/partner"),
      "ompic");
  EXPECT_EQ(json::find(b, "/representatives")->MemberCount(), 1u);
  EXPECT_EQ(json::text(b, "/agency"), "Casablanca");
  auto by_ice = registry_->employer_by_ice(kIce);
  ASSERT_TRUE(by_ice);
  EXPECT_EQ(json::text(body_of(by_ice), "/affiliation_number"), number);

  auto again = run(registry_->register_employer(R"({"ice":"001561191000066"})", agent()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().detail, "already_registered");
}

TEST_P(EmployerTest, RefusesStruckOffOrCeasedCompaniesWithTheReason) {
  facts_.companies["002136093000040"] =
      facts_with_provenance(company("002136093000040", "struck_off", "active"), kBoth);
  auto struck = run(registry_->register_employer(R"({"ice":"002136093000040"})", agent()));
  ASSERT_FALSE(struck);
  EXPECT_EQ(struck.error().code, Errc::unprocessable);
  EXPECT_EQ(struck.error().detail, "company_struck_off");
  EXPECT_NE(struck.error().message.find("RADIEE"), std::string::npos);

  facts_.companies["002136093000040"] =
      facts_with_provenance(company("002136093000040", "active", "ceased"), kBoth);
  auto ceased = run(registry_->register_employer(R"({"ice":"002136093000040"})", agent()));
  ASSERT_FALSE(ceased);
  EXPECT_EQ(ceased.error().detail, "taxpayer_ceased");
  EXPECT_NE(ceased.error().message.find("CESSE"), std::string::npos);
  EXPECT_NE(ceased.error().message.find("2025-06-30"), std::string::npos);

  auto unknown = run(registry_->register_employer(R"({"ice":"001561191000066x"})", agent()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "/ice: is longer than 15");
  auto bad = run(registry_->register_employer(R"({"ice":"001561191000065"})", agent()));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "/ice: control digits do not match");
  auto none = run(registry_->register_employer(R"({"ice":"000000000000000"})", agent()));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "unknown_company");
}

TEST_P(EmployerTest, ClientNamedRepresentativesAreChecked) {
  auto bad = run(registry_->register_employer(
      R"({"ice":"001561191000066","representatives":[{"cnie":"BK1","role":"boss"}]})", agent()));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "/representatives/0/role: is not a known role");
  auto ok = run(registry_->register_employer(
      R"({"ice":"001561191000066","agency":"Rabat-Agdal","representatives":[{"cnie":"BK1","role":"agent"}]})",
      agent()));
  ASSERT_TRUE(ok) << ok.error().message;
  auto b = body_of(ok);
  EXPECT_EQ(json::text(b, "/agency"), "Rabat-Agdal");
  EXPECT_EQ(json::text(b, "/representatives/BK1/source"), "client");
  EXPECT_EQ(json::find(b, "/representatives/BE998877"), nullptr);
}

TEST_P(EmployerTest, LifecycleIsAHistoryOfEvents) {
  const std::string n = affiliate();
  auto no_reason = registry_->employer_action(n, "suspend", "{}", agent());
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().message, "/reason: is required");
  clock_.set(Date{2027, 1, 5});
  ASSERT_TRUE(registry_->employer_action(n, "suspend", R"({"reason":"no declarations"})", agent()));
  auto twice = registry_->employer_action(n, "suspend", R"({"reason":"again"})", agent());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().detail, "invalid_transition");
  clock_.set(Date{2027, 2, 5});
  ASSERT_TRUE(registry_->employer_action(n, "reopen", "{}", agent()));
  auto transfer = registry_->employer_action(n, "transfer", R"({"agency":"Tanger"})", agent());
  ASSERT_TRUE(transfer) << transfer.error().message;
  EXPECT_EQ(json::text(body_of(transfer), "/agency"), "Tanger");
  auto rep = registry_->add_representative(n, R"({"cnie":"BK42","role":"director"})", agent());
  ASSERT_TRUE(rep) << rep.error().message;
  auto removed =
      registry_->remove_representative(n, "BE998877", R"({"reason":"resigned"})", agent());
  ASSERT_TRUE(removed) << removed.error().message;
  auto rb = body_of(removed);
  EXPECT_EQ(json::find(rb, "/representatives/BE998877"), nullptr);
  EXPECT_EQ(json::find(rb, "/provenance/~1representatives~1BE998877~1last_name"), nullptr);
  clock_.set(Date{2027, 3, 5});
  ASSERT_TRUE(registry_->employer_action(n, "close", R"({"reason":"liquidation"})", agent()));
  auto after_close = registry_->employer_action(n, "transfer", R"({"agency":"Fes"})", agent());
  ASSERT_FALSE(after_close);
  EXPECT_EQ(after_close.error().detail, "invalid_transition");

  auto h = body_of(registry_->history(streams::kEmployer, n));
  std::vector<std::string> types;
  for (const auto& e : json::find(h, "/events")->GetArray()) {
    types.push_back(json::text(e, "/type").value_or(""));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"employer.affiliated", "employer.suspended",
                                             "employer.reopened", "employer.transferred",
                                             "representative.added", "representative.removed",
                                             "employer.closed"}));
  EXPECT_EQ(json::text(body_of(registry_->employer(n, Date{2027, 1, 20})), "/status"), "SUSPENDED");
  EXPECT_EQ(json::text(body_of(registry_->employer(n, Date{2027, 2, 20})), "/agency"), "Tanger");
  EXPECT_EQ(json::text(body_of(registry_->employer(n)), "/status"), "CLOSED");
}

TEST_P(EmployerTest, StaleETagIsRefused) {
  const std::string n = affiliate();
  Caller c = agent();
  c.if_match = 1;
  ASSERT_TRUE(registry_->employer_action(n, "transfer", R"({"agency":"Oujda"})", c));
  auto stale = registry_->employer_action(n, "transfer", R"({"agency":"Agadir"})", c);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, Errc::precondition_failed);
}

TEST_P(EmployerTest, OmpicEventsUpdateAnAffiliatedEmployerOnceAndIgnoreOthers) {
  const char* prov = R"({"partner":"ompic","mapping":"ompic.company_event","version":1,
                         "correlation_id":"c-1","event_id":"ompic-1"})";
  auto event = [](const std::string& type, const std::string& ice, const std::string& name) {
    return R"({"event_id":"ompic-1","type":")" + type + R"(","company":{"ice":")" + ice +
           R"(","name":")" + name + R"(","status":"active"}})";
  };
  // A company CNSS does not affiliate: nothing to change (a creation prepares an affiliation:
  // PendingAffiliations below).
  auto none = registry_->apply_company_event(event("modification", kIce, "X"), prov, agent());
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(json::text(body_of(none), "/outcome"), "not_affiliated");

  const std::string n = affiliate();
  auto changed =
      registry_->apply_company_event(event("modification", kIce, "ATLAS RENAMED"), prov, agent());
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(json::text(body_of(changed), "/outcome"), "applied");
  // OMPIC resends: the same event again changes nothing.
  auto again =
      registry_->apply_company_event(event("modification", kIce, "ATLAS RENAMED"), prov, agent());
  ASSERT_TRUE(again);
  EXPECT_EQ(json::text(body_of(again), "/outcome"), "unchanged");

  auto e = body_of(registry_->employer(n));
  EXPECT_EQ(json::text(e, "/company/name"), "ATLAS RENAMED");
  EXPECT_EQ(json::text(*json::find(e, "/provenance/~1company~1name"), "/mapping"),
            "ompic.company_event");
  EXPECT_EQ(json::text(e, "/status"), "ACTIVE");

  auto removal =
      registry_->apply_company_event(event("removal", kIce, "ATLAS RENAMED"), prov, agent());
  ASSERT_TRUE(removal) << removal.error().message;
  e = body_of(registry_->employer(n));
  EXPECT_EQ(json::text(e, "/status"), "ACTIVE") << "a removal does not close the affiliation";
  EXPECT_TRUE(json::text(e, "/review/reason")) << "but flags the employer for review";
  auto h = body_of(registry_->history(streams::kEmployer, n));
  const std::string text = json::dump(h);
  EXPECT_NE(text.find("employer.company_updated"), std::string::npos) << text;
  EXPECT_NE(text.find("employer.removal_reported"), std::string::npos) << text;

  auto bad = registry_->apply_company_event(event("merger", kIce, "X"), prov, agent());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_input);
  auto bad_ice = registry_->apply_company_event(event("creation", "123", "X"), prov, agent());
  ASSERT_FALSE(bad_ice);
  EXPECT_NE(bad_ice.error().message.find("/company/ice"), std::string::npos);
}

// OMPIC's creation of a company CNSS does not affiliate prepares its affiliation (issue 19, kind
// 5): the company, its managers with a CNIE as proposed representatives, the head office's city
// as managing agency; once whatever the deliveries; an agent confirms it in one call.
TEST_P(EmployerTest, ACreationPreparesAnAffiliationThatAnAgentConfirms) {
  const char* prov = R"({"partner":"ompic","mapping":"ompic.company_event","version":1,
                         "correlation_id":"c-1","event_id":"ompic-7"})";
  const std::string creation =
      std::string(R"({"event_id":"ompic-7","type":"creation","company":{"ice":")") + kIce +
      R"(","name":"ATLAS TEXTILES","status":"active",)"
      R"("head_office":{"line":"12 rue Allal","city":"Fès"},)"
      R"("managers":[{"last_name":"BENNANI","first_name":"Omar","cnie":"C123456","role":"GERANT"},)"
      R"({"last_name":"DURAND","first_name":"Paul","passport":"X99","role":"GERANT"}]}})";
  auto prepared = registry_->apply_company_event(creation, prov, agent());
  ASSERT_TRUE(prepared) << prepared.error().message;
  auto out = body_of(prepared);
  EXPECT_EQ(json::text(out, "/outcome"), "affiliation_prepared");
  EXPECT_EQ(json::text(out, "/company/name"), "ATLAS TEXTILES") << "what the admin inbox shows";
  EXPECT_EQ(json::text(out, "/company/ice"), kIce);
  EXPECT_EQ(json::find(out, "/applied")->Size(), 1u);
  auto again = registry_->apply_company_event(creation, prov, agent());
  ASSERT_TRUE(again);
  EXPECT_EQ(json::find(body_of(again), "/applied")->Size(), 0u) << "delivered twice, made once";

  auto p = body_of(registry_->pending_affiliation(kIce));
  EXPECT_EQ(json::text(p, "/status"), "pending");
  EXPECT_EQ(json::text(p, "/agency"), "Fès");
  EXPECT_EQ(json::text(p, "/representatives/C123456/last_name"), "BENNANI");
  EXPECT_EQ(json::find(p, "/representatives")->MemberCount(), 1u) << "no CNIE, not proposed";
  EXPECT_EQ(json::text(*json::find(p, "/provenance/~1company~1name"), "/partner"), "ompic");
  auto list = body_of(registry_->pending_affiliations("pending", "", 100));
  ASSERT_EQ(json::find(list, "/pending")->Size(), 1u);
  EXPECT_EQ(json::text(json::find(list, "/pending")->GetArray()[0], "/name"), "ATLAS TEXTILES");

  auto confirmed = run(registry_->confirm_affiliation(kIce, "", agent()));
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  const std::string number = json::text(body_of(confirmed), "/affiliation_number").value_or("");
  ASSERT_FALSE(number.empty());
  EXPECT_EQ(json::text(body_of(registry_->pending_affiliation(kIce)), "/affiliation_number"),
            number);
  EXPECT_EQ(
      json::find(body_of(registry_->pending_affiliations("pending", "", 100)), "/pending")->Size(),
      0u);
  auto twice = run(registry_->confirm_affiliation(kIce, "", agent()));
  ASSERT_TRUE(twice) << "a second confirmation finds the affiliation made";
  EXPECT_EQ(json::text(body_of(twice), "/affiliation_number"), number);

  auto unknown = run(registry_->confirm_affiliation("001561192000039", "", agent()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  EXPECT_EQ(registry_->pending_affiliations("later", "", 10).error().message,
            "/status: must be pending, confirmed or all");
}

INSTANTIATE_TEST_SUITE_P(Engines, EmployerTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
