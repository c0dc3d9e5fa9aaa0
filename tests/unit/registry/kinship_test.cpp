// A child's facts across the families they belong to, and civil events in any order (issue 19,
// kind 4), on both engines: a child's marriage ends the student extension in every family; a
// young child's death named by birth act, or recorded by an agent, ends their coverage in both
// parents' families; custody recorded in one parent's family decides in both; and every pair of
// civil events gives the same families whichever arrives first.
#include <set>

#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

const char* kOk = R"({"person":{"status":"ok"},"family":{"status":"ok"}})";
const char* kDgct =
    R"({"partner":"dgct","mapping":"dgct.civil_event","version":1,"correlation_id":"corr-kin"})";

// Salma, born 2012, known by her birth act alone; Amine, 22, a student with a CNIE. Both are
// children of Fatima (BK123456) and Youssef (AB654321), and in each parent's booklet.
const char* kChildren = R"(
    {"last_name":"BENJELLOUN","first_name":"Salma","sex":"F","birth_date":"2012-09-30",
     "birth_act":{"number":"2201/2012","commune":"Rabat"}},
    {"cnie":"CC22","last_name":"BENJELLOUN","first_name":"Amine","sex":"M",
     "birth_date":"2004-05-01","birth_act":{"number":"30/2004","commune":"Rabat"}})";

class KinshipTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped()) return;
    facts_.people["BK123456"] = facts_with_provenance(
        person_record("BK123456", "EL AMRANI", "Fatima Zahra", "F", "1985-03-14",
                      std::string(R"({"spouses":[{"cnie":"AB654321","last_name":"BENJELLOUN",)"
                                  R"("first_name":"Youssef","sex":"M","status":"married"}],)"
                                  R"("children":[)") +
                          kChildren + extra_children() + "]}"),
        kOk);
    facts_.people["AB654321"] = facts_with_provenance(
        person_record("AB654321", "BENJELLOUN", "Youssef", "M", "1981-11-02",
                      std::string(R"({"spouses":[{"cnie":"BK123456","last_name":"EL AMRANI",)"
                                  R"("first_name":"Fatima Zahra","sex":"F","status":"married"}],)"
                                  R"("children":[)") +
                          kChildren + extra_children() + "]}"),
        kOk);
    mother_ = register_person("BK123456");
    father_ = register_person("AB654321");
  }

  // More children in both parents' booklets (JSON objects, each after a comma).
  virtual std::string extra_children() const { return ""; }
  json::Doc family(const std::string& number) {
    auto f = registry_->family(number);
    EXPECT_TRUE(f) << "family " << number << ": " << text_of(f);
    return body_of(f);
  }
  static std::string member(const json::Doc& family, const std::string& first_name) {
    const json::Value* members = json::find(family, "/members");
    if (members == nullptr) return "";
    for (const auto& m : members->GetObject()) {
      if (json::text(m.value, "/first_name") == first_name) return m.name.GetString();
    }
    return "";
  }
  static std::string at(const json::Doc& family, const std::string& first_name,
                        const std::string& pointer) {
    return json::text(family, "/members/" + member(family, first_name) + pointer).value_or("");
  }
  static bool covered(const json::Doc& family, const std::string& first_name) {
    return json::flag(family, "/members/" + member(family, first_name) + "/coverage/covered");
  }
  // Amine's proof of studies, given in the mother's family.
  void amine_studies() {
    const auto f = family(mother_);
    auto r = registry_->update_beneficiary(
        mother_, member(f, "Amine"),
        R"({"studies":{"proof_date":"2026-09-15","valid_until":"2027-07-31"}})", agent());
    ASSERT_TRUE(r) << r.error().message;
  }

  std::string mother_, father_;
};

// Item 1: loi 65-00, article 5 extends a child's coverage to 26 for unmarried students. DGCT's
// marriage act about the child ends it from the act's date, in both parents' families.
TEST_P(KinshipTest, AChildsMarriageEndsTheStudentExtensionInEveryFamily) {
  amine_studies();
  ASSERT_TRUE(covered(family(father_), "Amine")) << json::dump(family(father_));
  EXPECT_EQ(at(family(father_), "Amine", "/studies/valid_until"), "2027-07-31")
      << "a proof given in one parent's family is the child's in the other's too";
  const std::string marriage = R"({"event_id":"dgct-m-1","type":"marriage",
    "act_date":"2026-11-10","act":{"number":"61/2026","date":"2026-11-10","commune":"Rabat"},
    "spouses":[{"cnie":"CC22","last_name":"BENJELLOUN","first_name":"Amine"},
               {"cnie":"ZZ9","last_name":"FASSI","first_name":"Sara"}]})";
  auto r = registry_->apply_civil_event(marriage, kDgct, agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::find(body_of(r), "/applied")->Size(), 2u) << text_of(r);
  for (const auto& number : {father_, mother_}) {
    const auto f = family(number);
    EXPECT_FALSE(covered(f, "Amine")) << json::dump(f);
    EXPECT_EQ(at(f, "Amine", "/married_on"), "2026-11-10");
    EXPECT_EQ(
        json::text(*json::find(f, "/provenance/" +
                                      json::escape("/members/" + member(f, "Amine") + "/married")),
                   "/mapping"),
        "dgct.civil_event");
  }
  EXPECT_EQ(at(family(father_), "Amine", "/coverage/reason"), "21 or older and married");
  clock_.set(Date{2026, 11, 9});
  EXPECT_TRUE(covered(family(father_), "Amine")) << "covered until the act's date";
  clock_.set(Date{2026, 11, 27});
  auto again = registry_->apply_civil_event(marriage, kDgct, agent());
  ASSERT_TRUE(again);
  EXPECT_EQ(json::find(body_of(again), "/applied")->Size(), 0u) << "DGCT's retry changes nothing";
}

// A marriage act dated after a spouse's recorded death contradicts the facts: refused for an
// agent to check with DGCT (the inbox marks it not_applicable), never applied.
TEST_P(KinshipTest, AMarriageDatedAfterARecordedDeathIsRefused) {
  ASSERT_TRUE(registry_->apply_civil_event(
      R"({"event_id":"dgct-x-1","type":"death","person":{"cnie":"ZZ9","death_date":"2020-02-02"}})",
      kDgct, agent()));
  auto r = registry_->apply_civil_event(R"({"event_id":"dgct-m-2","type":"marriage",
    "act_date":"2026-11-10","spouses":[{"cnie":"CC22"},{"cnie":"ZZ9"}]})",
                                        kDgct, agent());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unprocessable);
  EXPECT_EQ(r.error().detail, "contradicts_recorded_death");
  EXPECT_EQ(at(family(father_), "Amine", "/married_on"), "") << "nothing applied";
}

// Item 2: a young child has no CNIE; DGCT's death event names the birth act, and the child's
// coverage ends in both parents' families from the date of death.
TEST_P(KinshipTest, AYoungChildsDeathNamedByBirthActEndsCoverageInBothFamilies) {
  const std::string death = R"({"event_id":"dgct-d-1","type":"death","act_date":"2026-11-21",
    "person":{"cnie":null,"last_name":"BENJELLOUN","first_name":"Salma","birth_date":"2012-09-30",
              "birth_act":{"number":"2201/2012","commune":"Rabat"},"death_date":"2026-11-20"}})";
  ASSERT_TRUE(covered(family(father_), "Salma"));
  auto r = registry_->apply_civil_event(death, kDgct, agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::find(body_of(r), "/applied")->Size(), 2u) << text_of(r);
  for (const auto& number : {father_, mother_}) {
    const auto f = family(number);
    EXPECT_EQ(at(f, "Salma", "/death_date"), "2026-11-20") << json::dump(f);
    EXPECT_EQ(at(f, "Salma", "/coverage/reason"), "deceased");
  }
  clock_.set(Date{2026, 11, 19});
  EXPECT_TRUE(covered(family(father_), "Salma")) << "covered until the death";
  clock_.set(Date{2026, 11, 27});
}

// A death by birth act that no family names yet waits for the birth (awaiting_facts, which the
// inbox tries again), then applies.
TEST_P(KinshipTest, ADeathByBirthActBeforeTheBirthWaitsForIt) {
  const std::string death = R"({"event_id":"dgct-d-2","type":"death","act_date":"2026-11-22",
    "person":{"birth_act":{"number":"4512/2026","commune":"Salé"},"death_date":"2026-11-21"}})";
  auto early = registry_->apply_civil_event(death, kDgct, agent());
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().detail, "awaiting_facts") << early.error().message;
  const std::string birth = R"({"event_id":"dgct-b-2","type":"birth","act_date":"2026-11-19",
    "act":{"number":"4512/2026","date":"2026-11-19","commune":"Salé"},
    "person":{"last_name":"BENJELLOUN","first_name":"Ilyas","sex":"M","birth_date":"2026-11-18"},
    "parents":[{"cnie":"AB654321","role":"father"},{"cnie":"BK123456","role":"mother"}]})";
  ASSERT_TRUE(registry_->apply_civil_event(birth, kDgct, agent()));
  EXPECT_TRUE(covered(family(father_), "Ilyas"));
  auto retried = registry_->apply_civil_event(death, kDgct, agent());
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(at(family(father_), "Ilyas", "/death_date"), "2026-11-21");
  EXPECT_EQ(at(family(mother_), "Ilyas", "/death_date"), "2026-11-21");
}

// Item 2: when DGCT's event does not come, an agent records the death on one family, and it is
// the child's in every family.
TEST_P(KinshipTest, AnAgentRecordsAChildsDeathInEveryFamily) {
  const auto f = family(mother_);
  const std::string salma = member(f, "Salma");
  auto r = registry_->record_beneficiary_death(
      mother_, salma,
      R"({"death_date":"2026-11-20","act":{"number":"91/2026","date":"2026-11-21","commune":"Rabat"},
          "reason":"death act brought by the mother"})",
      agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->effect, Effect::changed);
  EXPECT_EQ(at(body_of(r), "Salma", "/coverage/reason"), "deceased");
  const auto father = family(father_);
  EXPECT_EQ(at(father, "Salma", "/death_date"), "2026-11-20") << json::dump(father);
  EXPECT_EQ(at(father, "Salma", "/death_act/number"), "91/2026");
  EXPECT_FALSE(covered(father, "Salma"));
}

TEST_P(KinshipTest, AChildsDeathIsRefusedWithTheFieldAtFault) {
  const auto f = family(mother_);
  auto future = registry_->record_beneficiary_death(mother_, member(f, "Salma"),
                                                    R"({"death_date":"2026-11-28"})", agent());
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().message, "/death_date: is in the future");
  auto unborn = registry_->record_beneficiary_death(mother_, member(f, "Salma"),
                                                    R"({"death_date":"2011-01-01"})", agent());
  ASSERT_FALSE(unborn);
  EXPECT_EQ(unborn.error().message, "/death_date: is before the child's birth date");
  auto spouse = registry_->record_beneficiary_death(mother_, member(f, "Youssef"),
                                                    R"({"death_date":"2026-11-01"})", agent());
  ASSERT_FALSE(spouse);
  EXPECT_EQ(spouse.error().code, Errc::invalid_input);
  auto nobody =
      registry_->record_beneficiary_death(mother_, "k9", R"({"death_date":"2026-11-01"})", agent());
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, Errc::not_found);
  auto missing = registry_->record_beneficiary_death(mother_, member(f, "Salma"), "{}", agent());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "/death_date: is required");
}

// Item 3: divorced parents, both insured, the child in both families. Custody recorded in one
// family decides in both: the child is covered in exactly one.
TEST_P(KinshipTest, CustodyRecordedInOneFamilyDecidesInBoth) {
  const std::string divorce = R"({"event_id":"dgct-v-1","type":"divorce","act_date":"2025-01-10",
    "dissolution_date":"2025-01-10","spouses":[{"cnie":"AB654321"},{"cnie":"BK123456"}]})";
  ASSERT_TRUE(registry_->apply_civil_event(divorce, kDgct, agent()));
  auto both = [&] {
    return std::pair{covered(family(mother_), "Salma"), covered(family(father_), "Salma")};
  };
  EXPECT_EQ(both(), std::pair(false, true)) << "no custody recorded: the father's";
  const auto m = family(mother_);
  auto r = registry_->update_beneficiary(mother_, member(m, "Salma"),
                                         R"({"custody":"declarant","reason":"judgment 12/2025"})",
                                         agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(both(), std::pair(true, false)) << json::dump(family(father_));
  EXPECT_EQ(at(family(father_), "Salma", "/custody"), "other_parent");
  EXPECT_EQ(at(family(father_), "Salma", "/coverage/attached_to"), mother_);
  const auto f = family(father_);
  ASSERT_TRUE(registry_->update_beneficiary(father_, member(f, "Salma"),
                                            R"({"custody":"declarant"})", agent()));
  EXPECT_EQ(both(), std::pair(false, true));
  EXPECT_EQ(at(family(mother_), "Salma", "/custody"), "other_parent");
  EXPECT_EQ(json::find(family(mother_), "/members")->MemberCount(), 3u)
      << "one member a person: no twin, none lost";
}

// Matching members (issue 19, kind 4): by CNIE, then birth act, then name and birth date, with
// ambiguous matches sent to the review queue.
class MemberMatch : public KinshipTest {
 protected:
  // Yasmine, born 2019, and Adam, born 2026-11-18, known by name and birth date alone (DGCT's
  // booklet may list a child without CNIE or birth act): each in both parents' booklets, one
  // person, whom each family records as the other parent's child (a single spouse).
  std::string extra_children() const override {
    return R"(,{"last_name":"BENJELLOUN","first_name":"Yasmine","sex":"F",
                "birth_date":"2019-03-03"},
              {"last_name":"BENJELLOUN","first_name":"Adam","sex":"M","birth_date":"2026-11-18"})";
  }
  // Another insured person's family, naming another Yasmine BENJELLOUN born the same day.
  std::string namesake_family() {
    facts_.people["EE112233"] =
        facts_with_provenance(person_record("EE112233", "BENJELLOUN", "Rachid", "M", "1980-01-01",
                                            R"({"spouses":[],"children":[{"last_name":"BENJELLOUN",
                          "first_name":"Yasmine","sex":"F","birth_date":"2019-03-03"}]})"),
                              kOk);
    return register_person("EE112233");
  }
  // The members of a family with this first name.
  std::vector<std::string> named(const std::string& number, const std::string& first_name) {
    std::vector<std::string> out;
    const auto f = family(number);
    for (const auto& m : json::find(f, "/members")->GetObject()) {
      if (json::text(m.value, "/first_name") == first_name) out.emplace_back(m.name.GetString());
    }
    return out;
  }
  static constexpr const char* kYasminesDeath =
      R"({"event_id":"dgct-d-9","type":"death","act_date":"2026-11-21",
    "person":{"last_name":"BENJELLOUN","first_name":"Yasmine","birth_date":"2019-03-03",
              "death_date":"2026-11-20"}})";
};

// The same child named in both parents' families by name and birth date alone is one person:
// the death applies in both, no review needed.
TEST_P(MemberMatch, TheSameChildInBothParentsFamiliesIsOnePerson) {
  auto r = registry_->apply_civil_event(kYasminesDeath, kDgct, agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(at(family(father_), "Yasmine", "/death_date"), "2026-11-20");
  EXPECT_EQ(at(family(mother_), "Yasmine", "/death_date"), "2026-11-20");
}

// Two different children fit by name and birth date alone: the event is not applied; the
// candidates are listed (by family and member, CNIEs masked) for the review queue, and the
// administrator's choice applies it to that person only, in each family naming them.
TEST_P(MemberMatch, DifferentPeopleWhoFitByNameAloneGoToReview) {
  const std::string other = namesake_family();
  auto r = registry_->apply_civil_event(kYasminesDeath, kDgct, agent());
  ASSERT_FALSE(r) << text_of(r);
  EXPECT_EQ(r.error().code, Errc::unprocessable);
  EXPECT_EQ(r.error().detail, "ambiguous_member") << r.error().message;
  auto details = json::parse(r.error().details_json);
  ASSERT_TRUE(details) << r.error().details_json;
  const json::Value* candidates = json::find(*details, "/candidates");
  ASSERT_TRUE(candidates && candidates->IsArray()) << r.error().details_json;
  ASSERT_EQ(candidates->Size(), 2u) << r.error().details_json;
  std::set<std::size_t> sizes;
  for (const auto& c : candidates->GetArray()) sizes.insert(json::find(c, "/members")->Size());
  EXPECT_EQ(sizes, (std::set<std::size_t>{1, 2})) << "the parents' Yasmine in two families";
  EXPECT_EQ(at(family(father_), "Yasmine", "/death_date"), "") << "nothing applied";
  EXPECT_EQ(at(family(other), "Yasmine", "/death_date"), "");

  Caller chose = agent();
  chose.chosen_member = store::MemberRef{streams::family(father_), named(father_, "Yasmine")[0]};
  auto applied = registry_->apply_civil_event(kYasminesDeath, kDgct, chose);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(at(family(father_), "Yasmine", "/death_date"), "2026-11-20");
  EXPECT_EQ(at(family(mother_), "Yasmine", "/death_date"), "2026-11-20") << "the same person";
  EXPECT_EQ(at(family(other), "Yasmine", "/death_date"), "") << "another person";
  EXPECT_TRUE(covered(family(other), "Yasmine"));
}

// An agent's entry names the member: a fact recorded on the parents' Yasmine is hers in the
// other parent's family too, and never the namesake's in another family.
TEST_P(MemberMatch, AnAgentsFactGoesToTheSamePersonNeverToANamesake) {
  const std::string other = namesake_family();
  auto r = registry_->record_beneficiary_death(
      mother_, named(mother_, "Yasmine")[0],
      R"({"death_date":"2026-11-20","reason":"death act brought by the mother"})", agent());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(at(family(father_), "Yasmine", "/death_date"), "2026-11-20");
  EXPECT_EQ(at(family(other), "Yasmine", "/death_date"), "") << "another person";
  EXPECT_TRUE(covered(family(other), "Yasmine"));
}

// A match by CNIE or birth act is never ambiguous: the namesake without them is not a candidate
// of a death that names the birth act.
TEST_P(MemberMatch, AMatchByIdentifierIsNeverAmbiguous) {
  const std::string other = namesake_family();
  auto r = registry_->add_beneficiary(other, R"({"relation":"child","last_name":"BENJELLOUN",
      "first_name":"Salma","sex":"F","birth_date":"2012-09-30","cnie":"SS1"})",
                                      agent());
  ASSERT_TRUE(r) << r.error().message;
  auto death = registry_->apply_civil_event(R"({"event_id":"dgct-d-8","type":"death",
    "person":{"last_name":"BENJELLOUN","first_name":"Salma","birth_date":"2012-09-30",
              "birth_act":{"number":"2201/2012","commune":"Rabat"},"death_date":"2026-11-20"}})",
                                            kDgct, agent());
  ASSERT_TRUE(death) << death.error().message;
  EXPECT_EQ(at(family(father_), "Salma", "/death_date"), "2026-11-20");
  EXPECT_EQ(at(family(other), "Salma", "/death_date"), "") << "another person";
}

// A birth finds a child the booklet already lists without the act by name and birth date, and
// completes it: no second member.
TEST_P(MemberMatch, ABirthCompletesTheChildTheBookletListed) {
  ASSERT_EQ(named(father_, "Adam").size(), 1u);
  const std::string birth = R"({"event_id":"dgct-b-9","type":"birth","act_date":"2026-11-20",
    "act":{"number":"4512/2026","date":"2026-11-20","commune":"Salé"},
    "person":{"last_name":"BENJELLOUN","first_name":"Adam","sex":"M","birth_date":"2026-11-18"},
    "parents":[{"cnie":"AB654321","role":"father"},{"cnie":"BK123456","role":"mother"}]})";
  auto b = registry_->apply_civil_event(birth, kDgct, agent());
  ASSERT_TRUE(b) << b.error().message;
  for (const auto& number : {father_, mother_}) {
    EXPECT_EQ(named(number, "Adam").size(), 1u) << json::dump(family(number));
    EXPECT_EQ(at(family(number), "Adam", "/birth_act/number"), "4512/2026");
  }
}

// Twins given one first name by a typo (each with their own CNIE): a birth that fits both by
// name and birth date goes to review; the choice completes that twin.
TEST_P(MemberMatch, ABirthThatFitsTwinsGoesToReview) {
  for (const char* cnie : {"GG1001", "GG1002"}) {
    auto r = registry_->add_beneficiary(
        father_,
        std::string(R"({"relation":"child","last_name":"BENJELLOUN","first_name":"Ali",)"
                    R"("sex":"M","birth_date":"2008-02-02","cnie":")") +
            cnie + R"("})",
        agent());
    ASSERT_TRUE(r) << r.error().message;
  }
  const std::string birth = R"({"event_id":"dgct-b-10","type":"birth","act_date":"2008-02-03",
    "act":{"number":"77/2008","date":"2008-02-03","commune":"Rabat"},
    "person":{"last_name":"BENJELLOUN","first_name":"Ali","sex":"M","birth_date":"2008-02-02"},
    "parents":[{"cnie":"AB654321","role":"father"}]})";
  auto b = registry_->apply_civil_event(birth, kDgct, agent());
  ASSERT_FALSE(b) << text_of(b);
  EXPECT_EQ(b.error().detail, "ambiguous_member");
  EXPECT_EQ(b.error().details_json.find("GG1001"), std::string::npos) << "CNIEs masked";
  EXPECT_NE(b.error().details_json.find("GG**01"), std::string::npos) << b.error().details_json;
  const auto twins = named(father_, "Ali");
  ASSERT_EQ(twins.size(), 2u);
  Caller chose = agent();
  chose.chosen_member = store::MemberRef{streams::family(father_), twins[1]};
  ASSERT_TRUE(registry_->apply_civil_event(birth, kDgct, chose));
  const auto f = family(father_);
  EXPECT_EQ(named(father_, "Ali").size(), 2u);
  EXPECT_EQ(json::text(f, "/members/" + twins[1] + "/birth_act/number"), "77/2008");
  EXPECT_EQ(json::text(f, "/members/" + twins[0] + "/birth_act/number"), std::nullopt);
}

// A child's marriage that comes before any family names the child waits (awaiting_facts, which
// the inbox tries again), then applies once an agent names the child; in the other order it
// applies at once.
TEST_P(MemberMatch, AChildsMarriageWaitsForAFamilyToNameTheChild) {
  const std::string marriage = R"({"event_id":"dgct-m-9","type":"marriage",
    "act_date":"2026-10-10","spouses":[{"cnie":"DD44","last_name":"BENJELLOUN","first_name":"Omar"},
               {"cnie":"ZZ9","last_name":"FASSI","first_name":"Sara"}]})";
  const std::string omar = R"({"relation":"child","cnie":"DD44","last_name":"BENJELLOUN",
      "first_name":"Omar","sex":"M","birth_date":"2003-01-01",
      "studies":{"proof_date":"2026-09-01","valid_until":"2027-07-31"}})";
  auto early = registry_->apply_civil_event(marriage, kDgct, agent());
  ASSERT_FALSE(early) << text_of(early);
  EXPECT_EQ(early.error().detail, "awaiting_facts") << early.error().message;
  ASSERT_TRUE(registry_->add_beneficiary(father_, omar, agent()));
  EXPECT_TRUE(covered(family(father_), "Omar")) << "a student, unmarried as far as CNSS knows";
  auto retried = registry_->apply_civil_event(marriage, kDgct, agent());
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(at(family(father_), "Omar", "/married_on"), "2026-10-10");
  EXPECT_FALSE(covered(family(father_), "Omar"));

  // The other order: the child named first (in the mother's family), the marriage then.
  ASSERT_TRUE(registry_->add_beneficiary(
      mother_, R"({"relation":"child","cnie":"DD55","last_name":"BENJELLOUN",
      "first_name":"Hiba","sex":"F","birth_date":"2003-06-01",
      "studies":{"proof_date":"2026-09-01","valid_until":"2027-07-31"}})",
      agent()));
  auto later = registry_->apply_civil_event(R"({"event_id":"dgct-m-10","type":"marriage",
    "act_date":"2026-10-11","spouses":[{"cnie":"DD55"},{"cnie":"ZZ8"}]})",
                                            kDgct, agent());
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(at(family(mother_), "Hiba", "/married_on"), "2026-10-11");
  EXPECT_FALSE(covered(family(mother_), "Hiba"));
}

// A marriage applied to an insured spouse's family is kept for the family that names the other
// spouse later: the keys the registry names for it (civil_event_keys) are those the family's
// commit writes, so the store marks the waiting event due, and applying it again reaches that
// family (the inbox's sweep does so: hub/events/waiting.cpp).
TEST_P(MemberMatch, AMarriageWaitsForTheOtherSpousesFamily) {
  facts_.people["CD778899"] = facts_with_provenance(
      person_record("CD778899", "ALAOUI", "Nadia", "F", "2001-01-01",
                    R"({"spouses":[],"children":[]})"),
      kOk);
  const std::string nadia = register_person("CD778899");
  ASSERT_FALSE(nadia.empty());
  const std::string marriage = R"({"event_id":"dgct-m-11","type":"marriage",
    "act_date":"2026-10-12","spouses":[{"cnie":"CD778899"},{"cnie":"DD66","last_name":"TAZI",
    "first_name":"Hamza"}]})";
  const auto keys = Registry::civil_event_keys(marriage);
  EXPECT_EQ(keys, (std::vector<std::string>{"cnie/CD778899", "insured-of/CD778899", "cnie/DD66",
                                            "insured-of/DD66"}));
  ASSERT_TRUE(registry_->apply_civil_event(marriage, kDgct, agent()));
  EXPECT_NE(json::dump(family(nadia)).find("Hamza"), std::string::npos) << "her spouse";
  store::RecordCommit waits;  // what the inbox writes with the event
  store::StreamWrite w;
  w.stream = "partner-event/dgct/dgct-m-11";
  w.kind = "partner_event";
  store::RecordEvent e;
  e.type = "partner_event.received";
  e.data = "{}";
  w.events.push_back(e);
  w.state = "{}";
  w.waits = store::Waits{keys, 1LL << 50};
  waits.writes.push_back(std::move(w));
  ASSERT_TRUE(store_->commit_records(waits));
  ASSERT_TRUE(store_->settle_waits("partner-event/dgct/dgct-m-11"));  // the spouse added itself

  ASSERT_TRUE(registry_->add_beneficiary(father_, R"({"relation":"child","cnie":"DD66",
      "last_name":"TAZI","first_name":"Hamza","sex":"M","birth_date":"2003-02-01",
      "studies":{"proof_date":"2026-09-01","valid_until":"2027-07-31"}})",
                                         agent()));
  EXPECT_EQ(*store_->due_waits("", 10), std::vector<std::string>{"partner-event/dgct/dgct-m-11"});
  EXPECT_TRUE(covered(family(father_), "Hamza")) << "married, but the family does not know yet";
  auto again = registry_->apply_civil_event(marriage, kDgct, agent());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(at(family(father_), "Hamza", "/married_on"), "2026-10-12");
  EXPECT_FALSE(covered(family(father_), "Hamza"));
}

INSTANTIATE_TEST_SUITE_P(Engines, MemberMatch, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Engines, KinshipTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// Item 4: events apply in the order of their acts' dates whatever order they arrive in. Each
// pair is applied in both orders, on a fresh database each, as the inbox does: an event that
// awaits facts (409 awaiting_facts) is tried again after each later one. Both orders must give
// the same beneficiaries; `same_members` pairs must also give the same members.
struct EventPair {
  const char* name;
  const char* given;    // delivered first in both orders (nullptr: none)
  const char* earlier;  // the event whose act is dated first
  const char* later;
  std::set<std::string> covered;  // who is covered on 2026-11-27 after both
  bool same_members;
};

// Hind (EF1) is insured, her son Amine (CNIE CC22, 22, a student) in her booklet; Reda (GH2) is
// not insured.
const char* kMarriage = R"({"event_id":"m","type":"marriage","act_date":"2019-07-01",
  "act":{"number":"12/2019","date":"2019-07-01","commune":"Rabat"},
  "spouses":[{"cnie":"EF1"},{"cnie":"GH2","last_name":"TAZI","first_name":"Reda","sex":"M"}]})";
const char* kDivorce = R"({"event_id":"d","type":"divorce","act_date":"2024-05-02",
  "dissolution_date":"2024-05-02","spouses":[{"cnie":"EF1"},{"cnie":"GH2"}]})";
const char* kRedaDies2023 = R"({"event_id":"x","type":"death","act_date":"2023-03-01",
  "person":{"cnie":"GH2","death_date":"2023-03-01"}})";
const char* kRedaDies2018 = R"({"event_id":"x0","type":"death","act_date":"2018-03-01",
  "person":{"cnie":"GH2","death_date":"2018-03-01"}})";
const char* kRedaDies2025 = R"({"event_id":"x2","type":"death","act_date":"2025-03-01",
  "person":{"cnie":"GH2","death_date":"2025-03-01"}})";
const char* kBirth = R"({"event_id":"b","type":"birth","act_date":"2020-02-10",
  "act":{"number":"100/2020","date":"2020-02-10","commune":"Rabat"},
  "person":{"last_name":"TAZI","first_name":"Ilyas","sex":"M","birth_date":"2020-02-08"},
  "parents":[{"cnie":"GH2","role":"father"},{"cnie":"EF1","role":"mother"}]})";
const char* kIlyasDies = R"({"event_id":"k","type":"death","act_date":"2022-01-05",
  "person":{"birth_act":{"number":"100/2020","commune":"Rabat"},"death_date":"2022-01-05"}})";
const char* kAmineMarries = R"({"event_id":"c","type":"marriage","act_date":"2026-11-10",
  "act":{"number":"61/2026","date":"2026-11-10","commune":"Rabat"},
  "spouses":[{"cnie":"CC22"},{"cnie":"ZZ9","last_name":"FASSI","first_name":"Sara"}]})";
const char* kAmineDies = R"({"event_id":"a","type":"death","act_date":"2026-11-20",
  "person":{"cnie":"CC22","death_date":"2026-11-20"}})";

void PrintTo(const EventPair& p, std::ostream* os) {
  *os << p.name;
}

class EventOrder : public ::testing::TestWithParam<std::tuple<std::string, EventPair>> {
 protected:
  struct World {
    std::unique_ptr<hub::testing::TestDatabase> db;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Registry> registry;
    std::string number;
  };

  // A fresh database with Hind registered, then `events` delivered in this order.
  World deliver(std::vector<const char*> events) {
    World w;
    w.db = std::make_unique<hub::testing::TestDatabase>(std::get<0>(GetParam()));
    if (!w.db->available()) return w;
    auto s = store::open(w.db->options());
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return w;
    w.store = std::move(*s);
    w.registry = std::make_unique<Registry>(*w.store, facts_, clock_);
    auto r = run(w.registry->register_insured(
        R"({"cnie":"EF1","category":"SALARIE","rib":")" + std::string(kRib) + "\"}", agent()));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    w.number = json::text(body_of(r), "/immatriculation").value_or("");
    const auto f = body_of(w.registry->family(w.number));
    for (const auto& m : json::find(f, "/members")->GetObject()) {
      EXPECT_TRUE(w.registry->update_beneficiary(
          w.number, m.name.GetString(),
          R"({"studies":{"proof_date":"2026-09-15","valid_until":"2027-07-31"}})", agent()));
    }
    std::vector<const char*> waiting;
    for (const char* e : events) {
      waiting.push_back(e);
      // The inbox's sweep: whatever awaits facts is tried again until nothing more applies.
      for (bool progress = true; progress;) {
        progress = false;
        for (auto it = waiting.begin(); it != waiting.end();) {
          auto a = w.registry->apply_civil_event(*it, kDgct, agent());
          if (!a && a.error().detail == "awaiting_facts") {
            ++it;
            continue;
          }
          it = waiting.erase(it);
          progress = true;
        }
      }
    }
    EXPECT_TRUE(waiting.empty()) << "an event still awaits facts: " << waiting.front();
    return w;
  }

  static std::set<std::string> beneficiaries(World& w) {
    std::set<std::string> out;
    const auto b = body_of(w.registry->beneficiaries(w.number));
    for (const auto& m : json::find(b, "/beneficiaries")->GetArray()) {
      out.insert(json::text(m, "/first_name").value_or("?"));
    }
    return out;
  }
  // Each member's facts that coverage reads, without the provenance (which names the events).
  // (Members are compared by person, whatever id each order gave them.)
  static std::set<std::string> members(World& w) {
    auto f = body_of(w.registry->family(w.number));
    std::set<std::string> out;
    for (const auto& m : json::find(f, "/members")->GetObject()) {
      std::string one = json::text(m.value, "/first_name").value_or("?") + ":";
      for (const char* k :
           {"/status", "/dissolution_date", "/death_date", "/married_on", "/coverage/reason"}) {
        one += json::text(m.value, k).value_or("-") + ",";
      }
      out.insert(one);
    }
    return out;
  }

  FakeFacts facts_;
  FixedClock clock_{Date{2026, 11, 27}};

  void SetUp() override {
    facts_.people["EF1"] = facts_with_provenance(
        person_record("EF1", "ALAMI", "Hind", "F", "1980-01-01",
                      R"({"spouses":[],"children":[{"cnie":"CC22","last_name":"ALAMI",)"
                      R"("first_name":"Amine","sex":"M","birth_date":"2004-05-01"}]})"),
        kOk);
  }
};

TEST_P(EventOrder, TheActsDatesDecideNotTheArrival) {
  const EventPair& p = std::get<1>(GetParam());
  auto with_given = [&](std::vector<const char*> e) {
    if (p.given != nullptr) e.insert(e.begin(), p.given);
    return e;
  };
  World in_order = deliver(with_given({p.earlier, p.later}));
  if (!in_order.db->available()) GTEST_SKIP() << in_order.db->skip_reason();
  World reversed = deliver(with_given({p.later, p.earlier}));
  EXPECT_EQ(beneficiaries(in_order), p.covered) << ::testing::PrintToString(members(in_order));
  EXPECT_EQ(beneficiaries(reversed), p.covered) << ::testing::PrintToString(members(reversed));
  if (p.same_members) {
    EXPECT_EQ(members(in_order), members(reversed));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, EventOrder,
    ::testing::Combine(
        ::testing::Values("sqlite", "postgresql"),
        ::testing::Values(
            // A divorce before its marriage waits for it; the older marriage does not undo it.
            EventPair{"marriage_then_divorce", nullptr, kMarriage, kDivorce, {"Amine"}, true},
            // A spouse's death, whichever comes first, ends their coverage.
            EventPair{
                "marriage_then_spouse_death", nullptr, kMarriage, kRedaDies2023, {"Amine"}, true},
            EventPair{
                "divorce_then_spouse_death", kMarriage, kDivorce, kRedaDies2025, {"Amine"}, true},
            // A marriage dated after a spouse's recorded death is refused for an agent
            // (contradicts_recorded_death); in the other order the death ends the coverage.
            // Nobody is covered through it either way; only the member list differs.
            EventPair{
                "spouse_death_then_marriage", nullptr, kRedaDies2018, kMarriage, {"Amine"}, false},
            // A death by birth act before the birth waits for it.
            EventPair{"birth_then_child_death", nullptr, kBirth, kIlyasDies, {"Amine"}, true},
            EventPair{"marriage_then_birth",
                      nullptr,
                      kMarriage,
                      kBirth,
                      {"Amine", "Reda", "Ilyas"},
                      true},
            // A child's marriage, then death: neither order covers them.
            EventPair{"child_marriage_then_death", nullptr, kAmineMarries, kAmineDies, {}, true})),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param).name; });

}  // namespace
}  // namespace hub::registry::testing
