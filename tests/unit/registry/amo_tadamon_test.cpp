// AMO Tadamon on both engines: a registration refused when ANRC's household is not eligible
// (with ANRC's answer) and prefilled with its index, threshold and provenance when it is; the
// household failing as any required partner does; and ANRC's eligibility changes applied to the
// registration's status and history, once, and never overridden by an older change.
#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

constexpr const char* kHousehold = "M-2024-00731455";
constexpr const char* kEventProvenance =
    R"({"partner":"anrc","mapping":"anrc.eligibility_event","version":1,"correlation_id":"c-anrc"})";

// A number as it reads in JSON ("" when absent): the index and the threshold are decimals.
std::string number_at(const json::Value& v, const char* pointer) {
  const json::Value* n = json::find(v, pointer);
  return n && n->IsNumber() ? json::dump(*n) : "";
}

std::string tadamon(const std::string& cnie) {
  return R"({"cnie":")" + cnie + R"(","category":"AMO_TADAMON"})";
}

// ANRC's change of the household's eligibility, from `date`, for these members (canonical
// eligibility_change, as mappings/anrc/eligibility_event.yaml reads it).
std::string change(const std::string& id, bool eligible, const std::string& date,
                   const std::string& members = R"([{"cnie":"BK123456"}])",
                   const std::string& household = kHousehold,
                   const std::string& programme = "AMO_TADAMON") {
  return R"({"event_id":")" + id + R"(","type":"eligibility_change","programme":")" + programme +
         R"(","household_id":")" + household + R"(","members":)" + members + R"(,"eligible":)" +
         (eligible ? "true" : "false") + R"(,"effective_date":")" + date + "\"}";
}

class AmoTadamonTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped()) return;
    person_with_household("BK123456", household_record(true));
  }
  void person_with_household(const std::string& cnie, const std::string& household,
                             const std::string& statuses = "{}") {
    facts_.people[cnie] = facts_with_provenance(
        with_section(person_record(cnie, "EL AMRANI", "Fatima Zahra", "F", "1985-03-14"),
                     "household", household),
        statuses);
  }
  std::string registered(const std::string& cnie) {
    auto r = run(registry_->register_insured(tadamon(cnie), agent()));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? json::text(r->view, "/immatriculation").value_or("") : "";
  }
  Result<Outcome> apply(const std::string& event) {
    Caller anrc;
    anrc.principal = "anrc";
    anrc.correlation_id = "c-anrc";
    return registry_->apply_eligibility_change(event, kEventProvenance, anrc);
  }
  json::Doc insured(const std::string& number) { return body_of(registry_->insured(number)); }
  std::size_t events_of(const std::string& number) {
    return json::find(body_of(registry_->history(streams::kInsured, number)), "/events")->Size();
  }
};

TEST_P(AmoTadamonTest, AnEligibleHouseholdIsRecordedWithItsIndexThresholdAndProvenance) {
  auto r = run(registry_->register_insured(tadamon("BK123456"), agent()));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->effect, Effect::created);
  const json::Doc& b = r->view;
  EXPECT_EQ(json::text(b, "/category"), "AMO_TADAMON");
  EXPECT_EQ(json::text(b, "/household/household_id"), kHousehold);
  EXPECT_EQ(number_at(b, "/household/index"), "9.1532417");
  EXPECT_EQ(json::text(b, "/household/index_date"), "2026-06-30");
  EXPECT_EQ(number_at(b, "/household/amo_tadamon/threshold"), "9.3264284");
  EXPECT_EQ(json::text(b, "/household/amo_tadamon/since"), "2026-06-30");
  EXPECT_TRUE(json::flag(b, "/household/amo_tadamon/eligible"));
  EXPECT_EQ(json::find(b, "/household/members"), nullptr) << "the other members are not copied";
  for (const char* f : {"/household/index", "/household/amo_tadamon/threshold"}) {
    const json::Value* p = json::find(b, std::string("/provenance/") + json::escape(f));
    ASSERT_NE(p, nullptr) << f;
    EXPECT_EQ(json::text(*p, "/partner"), "anrc") << f;
    EXPECT_EQ(json::text(*p, "/mapping"), "anrc.household") << f;
    EXPECT_TRUE(json::text(*p, "/fetched_at")) << f;
  }
  EXPECT_EQ(json::text(b, "/prefill/anrc/status"), "ok");
  EXPECT_EQ(json::text(b, "/prefill/anrc/step"), "household");
}

TEST_P(AmoTadamonTest, AHouseholdNotEligibleIsRefusedWithAnrcsAnswer) {
  person_with_household("AB654321", household_record(false, "M-2024-00000007"));
  auto r = run(registry_->register_insured(tadamon("AB654321"), agent()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unprocessable);
  EXPECT_EQ(r.error().detail, "not_eligible");
  EXPECT_EQ(r.error().message,
            "/category: AMO Tadamon needs an eligible household; ANRC says household "
            "M-2024-00000007 (index 9.4012 on 2026-06-30) is not eligible: threshold "
            "9.3264284, since 2026-06-30");
  auto details = json::parse(r.error().details_json);
  ASSERT_TRUE(details) << r.error().details_json;
  EXPECT_EQ(json::text(*details, "/programme"), "AMO_TADAMON");
  EXPECT_EQ(json::text(*details, "/partner"), "anrc");
  EXPECT_EQ(json::text(*details, "/household_id"), "M-2024-00000007");
  EXPECT_EQ(number_at(*details, "/index"), "9.4012");
  EXPECT_EQ(number_at(*details, "/threshold"), "9.3264284");
  EXPECT_EQ(json::text(*details, "/since"), "2026-06-30");
  ASSERT_NE(json::find(*details, "/eligible"), nullptr);
  EXPECT_FALSE(json::flag(*details, "/eligible"));
  auto page = store_->list_records(std::string(streams::kInsured), "", 10);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->empty()) << "nothing is registered";
}

TEST_P(AmoTadamonTest, NoHouseholdOrNoStatedEligibilityIsNotEligible) {
  facts_.people["CD1"] =
      facts_with_provenance(person_record("CD1", "IDRISSI", "Khadija", "F", "1990-01-01"),
                            R"({"household":{"status":"not_found"}})");
  auto none = run(registry_->register_insured(tadamon("CD1"), agent()));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "not_eligible");
  EXPECT_NE(none.error().message.find("ANRC knows none for this CNIE"), std::string::npos)
      << none.error().message;
  // ANRC lists no AMO Tadamon eligibility (only programmes CNSS does not know, or none).
  person_with_household("CD2", R"({"household_id":"M-1","index":"5.1"})");
  auto unstated = run(registry_->register_insured(tadamon("CD2"), agent()));
  ASSERT_FALSE(unstated);
  EXPECT_EQ(unstated.error().detail, "not_eligible");
  EXPECT_NE(unstated.error().message.find("states no AMO Tadamon eligibility"), std::string::npos);
}

TEST_P(AmoTadamonTest, AHouseholdThatFailedRefusesAsAnyRequiredPartner) {
  facts_.people["CD3"] = facts_with_provenance(
      person_record("CD3", "IDRISSI", "Khadija", "F", "1990-01-01"),
      R"({"household":{"status":"unavailable","error":"anrc: timeout after 800 ms"}})");
  auto down = run(registry_->register_insured(tadamon("CD3"), agent()));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, Errc::partner_unavailable);
  EXPECT_EQ(down.error().detail, "partner_unavailable");
  EXPECT_EQ(down.error().message,
            "ANRC did not give the household's eligibility (anrc: timeout after 800 ms); retry "
            "later");
  // The hub's own fault (its mapping missing) is said to be the hub's, not the partner's.
  facts_.people["CD4"] = facts_with_provenance(
      person_record("CD4", "IDRISSI", "Khadija", "F", "1990-01-01"),
      R"({"household":{"status":"misconfigured","error":"no mapping 'anrc.household'"}})");
  auto fault = run(registry_->register_insured(tadamon("CD4"), agent()));
  ASSERT_FALSE(fault);
  EXPECT_EQ(fault.error().code, Errc::internal);
  EXPECT_EQ(fault.error().detail, "unknown_mapping");
  // A recipe with no household step cannot decide: the hub's configuration, said so.
  facts_.people["CD5"] =
      facts_with_provenance(person_record("CD5", "IDRISSI", "Khadija", "F", "1990-01-01"));
  auto incomplete = run(registry_->register_insured(tadamon("CD5"), agent()));
  ASSERT_FALSE(incomplete);
  EXPECT_EQ(incomplete.error().code, Errc::internal);
  EXPECT_EQ(incomplete.error().detail, "recipe_incomplete");
}

TEST_P(AmoTadamonTest, NotEligibleSuspendsAndEligibleAgainRestoresWithTheirReasons) {
  const std::string n = registered("BK123456");
  clock_.set(Date{2026, 11, 30});
  auto ended = apply(change("anrc-1", false, "2026-12-01"));
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(ended->effect, Effect::applied);
  EXPECT_EQ(json::text((*json::find(ended->view, "/applied"))[0], ""), streams::insured(n));
  auto b = insured(n);
  EXPECT_EQ(json::text(b, "/status"), "SUSPENDED");
  EXPECT_EQ(json::text(b, "/status_since"), "2026-12-01");
  EXPECT_EQ(json::text(b, "/status_reason"),
            "AMO Tadamon: ANRC says household M-2024-00731455 is no longer eligible from "
            "2026-12-01 (event anrc-1)");
  EXPECT_FALSE(json::flag(b, "/household/amo_tadamon/eligible"));
  EXPECT_EQ(json::text(b, "/household/amo_tadamon/since"), "2026-12-01");
  const json::Value* p = json::find(b, "/provenance/~1household~1amo_tadamon~1eligible");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(json::text(*p, "/mapping"), "anrc.eligibility_event");
  auto h = body_of(registry_->history(streams::kInsured, n));
  const auto& last = (*json::find(h, "/events"))[json::find(h, "/events")->Size() - 1];
  EXPECT_EQ(json::text(last, "/type"), "amo_tadamon.eligibility_changed");
  EXPECT_EQ(json::text(last, "/source"), "anrc");
  EXPECT_EQ(json::text(last, "/reason"), "ANRC eligibility change anrc-1");
  EXPECT_EQ(json::text(last, "/principal"), "anrc");
  // Nobody is covered through a suspended registration.
  EXPECT_EQ(json::text(body_of(registry_->insured(n, Date{2026, 11, 29})), "/status"), "ACTIVE");

  auto back = apply(change("anrc-2", true, "2027-01-01"));
  ASSERT_TRUE(back) << back.error().message;
  b = insured(n);
  EXPECT_EQ(json::text(b, "/status"), "ACTIVE");
  EXPECT_EQ(json::text(b, "/status_since"), "2027-01-01");
  EXPECT_EQ(json::text(b, "/status_reason"),
            "AMO Tadamon: ANRC says household M-2024-00731455 is eligible again from 2027-01-01 "
            "(event anrc-2)");
  EXPECT_EQ(json::find(b, "/status_cause"), nullptr);
  EXPECT_TRUE(json::flag(b, "/household/amo_tadamon/eligible"));
}

TEST_P(AmoTadamonTest, TheSameEventTwiceChangesNothing) {
  const std::string n = registered("BK123456");
  ASSERT_TRUE(apply(change("anrc-1", false, "2026-12-01")));
  const auto events = events_of(n);
  const auto before = json::dump(insured(n));
  auto again = apply(change("anrc-1", false, "2026-12-01"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(json::find(again->view, "/applied")->Size(), 0u);
  EXPECT_EQ(json::text((*json::find(again->view, "/skipped"))[0], "/why"), "already_applied");
  EXPECT_EQ(events_of(n), events);
  EXPECT_EQ(json::dump(insured(n)), before);
}

TEST_P(AmoTadamonTest, AnOlderChangeNeverOverridesANewerOne) {
  const std::string n = registered("BK123456");
  // Delivered out of order: the change of 2027-01-01 first, then the one of 2026-12-01.
  ASSERT_TRUE(apply(change("anrc-2", false, "2027-01-01")));
  auto late = apply(change("anrc-1", true, "2026-12-01"));
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(json::find(late->view, "/applied")->Size(), 0u);
  EXPECT_EQ(json::text((*json::find(late->view, "/skipped"))[0], "/why"), "superseded");
  auto b = insured(n);
  EXPECT_EQ(json::text(b, "/status"), "SUSPENDED");
  EXPECT_EQ(json::text(b, "/household/amo_tadamon/since"), "2027-01-01");
  EXPECT_EQ(json::text(b, "/household/amo_tadamon/event_id"), "anrc-2");
  // Nor one older than the eligibility the registration was prefilled with.
  person_with_household("AB654321", household_record(true));
  const std::string m = registered("AB654321");
  auto stale = apply(change("anrc-0", false, "2026-06-01", R"([{"cnie":"AB654321"}])"));
  ASSERT_TRUE(stale);
  EXPECT_EQ(json::text(insured(m), "/status"), "ACTIVE");
}

TEST_P(AmoTadamonTest, OnlyTheHouseholdsAmoTadamonRegistrationsTakeTheChange) {
  const std::string n = registered("BK123456");
  facts_.people["EF1"] = facts_with_provenance(
      person_record("EF1", "ALAOUI", "Ahmed", "M", "1970-01-01"), R"({"family":{"status":"ok"}})");
  const std::string salarie = register_person("EF1");
  // A member registered in another category, a member CNSS does not know, a child without CNIE.
  auto r = apply(change("anrc-1", false, "2026-12-01",
                        R"([{"cnie":"BK123456"},{"cnie":"EF1"},{"cnie":"ZZ9"},{"cnie":null}])"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::find(r->view, "/applied")->Size(), 1u);
  EXPECT_EQ(json::text((*json::find(r->view, "/skipped"))[0], "/why"), "not_amo_tadamon");
  EXPECT_EQ(json::text(insured(salarie), "/status"), "ACTIVE");
  // An event about another household leaves this registration alone.
  auto other = apply(change("anrc-2", true, "2027-01-01", R"([{"cnie":"BK123456"}])", "M-9"));
  ASSERT_TRUE(other);
  EXPECT_EQ(json::text((*json::find(other->view, "/skipped"))[0], "/why"), "other_household");
  EXPECT_EQ(json::text(insured(n), "/status"), "SUSPENDED");
  // Programmes CNSS does not serve are ignored.
  auto programme = apply(change("anrc-3", true, "2027-02-01", R"([{"cnie":"BK123456"}])",
                                kHousehold, "BOURSE_ETUDES"));
  ASSERT_TRUE(programme);
  EXPECT_EQ(json::text(programme->view, "/outcome"), "other_programme");
  EXPECT_EQ(json::text(insured(n), "/status"), "SUSPENDED");
}

TEST_P(AmoTadamonTest, EligibilityLiftsOnlyTheSuspensionItCaused) {
  const std::string n = registered("BK123456");
  ASSERT_TRUE(registry_->change_insured_status(
      n, R"({"status":"SUSPENDED","reason":"documents missing"})", agent()));
  ASSERT_TRUE(apply(change("anrc-1", true, "2026-12-01")));
  EXPECT_EQ(json::text(insured(n), "/status"), "SUSPENDED") << "suspended for another reason";
  EXPECT_EQ(json::text(insured(n), "/status_reason"), "documents missing");
  // Suspended by ANRC, reactivated then suspended again by an agent: the agent's suspension
  // stands when eligibility returns.
  ASSERT_TRUE(registry_->change_insured_status(n, R"({"status":"ACTIVE","reason":"ok"})", agent()));
  ASSERT_TRUE(apply(change("anrc-2", false, "2027-01-01")));
  ASSERT_TRUE(
      registry_->change_insured_status(n, R"({"status":"ACTIVE","reason":"appeal"})", agent()));
  ASSERT_TRUE(registry_->change_insured_status(
      n, R"({"status":"SUSPENDED","reason":"address unknown"})", agent()));
  ASSERT_TRUE(apply(change("anrc-3", true, "2027-02-01")));
  EXPECT_EQ(json::text(insured(n), "/status"), "SUSPENDED");
  EXPECT_EQ(json::text(insured(n), "/status_reason"), "address unknown");
}

TEST_P(AmoTadamonTest, AnEventThatCannotBeReadIsRefusedWithTheField) {
  struct Case {
    std::string event;
    const char* message;
  };
  const Case cases[] = {
      {R"({"event_id":"e","type":"BIRTH","programme":"AMO_TADAMON"})",
       "/type: must be eligibility_change"},
      {R"({"event_id":"e","type":"eligibility_change","programme":"AMO_TADAMON",
           "household_id":"M-1","members":[],"eligible":false})",
       "/effective_date: is required"},
      {R"({"event_id":"e","type":"eligibility_change","programme":"AMO_TADAMON",
           "household_id":"M-1","members":[],"eligible":"no","effective_date":"2026-12-01"})",
       "/eligible: must be true or false"},
      {R"({"event_id":"e","type":"eligibility_change","programme":"AMO_TADAMON",
           "household_id":"M-1","members":{"cnie":"BK123456"},"eligible":true,
           "effective_date":"2026-12-01"})",
       "/members: must be an array"},
  };
  for (const auto& c : cases) {
    auto r = apply(c.event);
    ASSERT_FALSE(r) << c.event;
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_EQ(r.error().message, c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, AmoTadamonTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
