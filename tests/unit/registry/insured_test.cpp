// Insured persons on both engines: registration from a CNIE, a category and a RIB; provenance;
// data controls; contradictions and overrides; idempotency; ETags; history; point-in-time reads.
#include <thread>

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

const char* kOk = R"({"person":{"status":"ok"},"family":{"status":"ok"}})";

class InsuredTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped()) return;
    facts_.people["BK123456"] =
        facts_with_provenance(person_record("BK123456", "EL AMRANI", "Fatima Zahra", "F",
                                            "1985-03-14", R"({"spouses":[],"children":[]})"),
                              kOk);
  }
};

TEST_P(InsuredTest, RegistersFromCnieCategoryAndRibAloneWithProvenanceOnEveryPartnerField) {
  auto r = run(registry_->register_insured(
      R"({"cnie":"BK123456","category":"SALARIE","rib":"001810007800020110620318"})", agent()));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->effect, Effect::created);
  EXPECT_EQ(r->version, 1);
  auto body = body_of(r);
  const auto number = json::text(body, "/immatriculation").value_or("");
  EXPECT_TRUE(identifiers::valid_immatriculation(number)) << number << ": a Damm check digit";
  EXPECT_EQ(json::text(body, "/status"), "ACTIVE");
  EXPECT_EQ(json::text(body, "/person/last_name"), "EL AMRANI");
  EXPECT_EQ(json::text(body, "/person/address/commune"), "Agdal");
  EXPECT_EQ(json::find(body, "/person/last_name_ar"), nullptr) << "nulls are not stored";
  // Every partner field carries partner, mapping, version, time fetched and correlation id.
  for (const char* field : {"/person/last_name", "/person/first_name", "/person/birth_date",
                            "/person/sex", "/person/address/line"}) {
    const json::Value* p = json::find(body, std::string("/provenance/") + json::escape(field));
    ASSERT_NE(p, nullptr) << field;
    EXPECT_EQ(json::text(*p, "/partner"), "dgsn") << field;
    EXPECT_EQ(json::text(*p, "/mapping"), "dgsn.identity");
    EXPECT_TRUE(json::text(*p, "/fetched_at"));
    EXPECT_TRUE(json::text(*p, "/correlation_id"));
  }
  const json::Value* rib = json::find(body, "/provenance/~1rib");
  ASSERT_NE(rib, nullptr);
  EXPECT_EQ(json::text(*rib, "/source"), "client");
  EXPECT_EQ(facts_.last_purpose(), "IMMATRICULATION");

  auto again = registry_->insured(number);
  ASSERT_TRUE(again);
  EXPECT_EQ(text_of(again), text_of(r)) << "the answer is what a read then gives";
  auto by_cnie = registry_->insured_by_cnie("BK123456");
  ASSERT_TRUE(by_cnie);
  EXPECT_EQ(json::text(body_of(by_cnie), "/immatriculation"), number);
}

TEST_P(InsuredTest, DataControlsNameTheField) {
  struct Case {
    std::string body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"cnie":"BK123456","category":"SALARIE","rib":"001810007800020110620319"})",
       "/rib: key does not match"},
      {R"({"cnie":"BK123456","category":"SALARIE","rib":"0018"})", "/rib: must be 24 digits"},
      // "bk 123456" reads as typed (docs/identifiers.md); a symbol does not.
      {R"({"cnie":"B#12345","category":"SALARIE"})",
       "/cnie: must be one or two capital letters then one to six digits (BK123456)"},
      {R"({"category":"SALARIE"})", "/cnie: is required"},
      {R"({"cnie":"BK123456","category":"CHOMEUR"})",
       "/category: must be SALARIE, TNS, AMO_TADAMON or AMO_ACHAMIL"},
      {R"({"cnie":"BK123456","category":"SALARIE","contact":{"phone":"12"}})",
       "/contact/phone: must be 9 to 15 digits, optionally after +"},
      {R"({"cnie":"BK123456","category":"SALARIE","contact":{"email":"nobody"}})",
       "/contact/email: must be an e-mail address"},
      {R"({"cnie":"BK123456","category":"SALARIE","contact":{"fax":"1"}})",
       "/contact/fax: unknown field"},
      {R"({"cnie":"BK123456","category":"SALARIE","salary":1})", "/salary: unknown field"},
      {R"({"cnie":"BK123456","category":"SALARIE","person":{"birth_date":"1985-02-30"}})",
       "/person/birth_date: must be a date YYYY-MM-DD"},
      {R"({"cnie":12,"category":"SALARIE"})", "/cnie: must be a string"},
      {R"([1,2])", "/: the body must be a JSON object"},
      {R"({"cnie":)",
       "/: the body is not valid JSON: the JSON ends early: Invalid value. at byte 8"},
      {std::string(100000, '[') + std::string(100000, ']'),
       "/: the body is not valid JSON: it nests deeper than 32 levels"},
  };
  for (const auto& c : cases) {
    auto r = run(registry_->register_insured(c.body, agent()));
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, Errc::invalid_input) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
  EXPECT_EQ(facts_.calls, 0) << "bad input never reaches the partners";
}

TEST_P(InsuredTest, UnknownPersonAndDeathAreRefusedWithTheReason) {
  auto unknown =
      run(registry_->register_insured(R"({"cnie":"ZZ1000","category":"SALARIE"})", agent()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unprocessable);
  EXPECT_EQ(unknown.error().detail, "unknown_person");

  facts_.people["C12345"] = facts_with_provenance(
      R"({"person":{"cnie":"C12345","last_name":"ALAOUI","first_name":"Ahmed","sex":"M","birth_date":"1962","death_date":"2024-02-03"}})",
      kOk);
  auto dead =
      run(registry_->register_insured(R"({"cnie":"C12345","category":"SALARIE"})", agent()));
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().detail, "deceased");

  facts_.people["D1"] =
      facts_with_provenance("{}", R"({"person":{"status":"unavailable","error":"timeout"}})");
  auto down = run(registry_->register_insured(R"({"cnie":"D1","category":"SALARIE"})", agent()));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, Errc::partner_unavailable);
  EXPECT_NE(down.error().message.find("timeout"), std::string::npos);
}

TEST_P(InsuredTest, TnsNeedsAnActiveSelfEmployedTaxpayer) {
  facts_.people["T1"] = facts_with_provenance(
      person_record(
          "T1", "BENNANI", "Omar", "M", "1980-01-01", "",
          R"({"fiscal_id":"12345678","kind":"individual","status":"active","tax_regime":"IR_RNS"})"),
      R"({"person":{"status":"ok"},"taxpayer":{"status":"ok"}})");
  facts_.people["T2"] =
      facts_with_provenance(person_record("T2", "BENNANI", "Ali", "M", "1980-01-01"),
                            R"({"person":{"status":"ok"},"taxpayer":{"status":"not_found"}})");
  facts_.people["T3"] = facts_with_provenance(
      person_record("T3", "BENNANI", "Sara", "F", "1980-01-01", "",
                    R"({"fiscal_id":"12345679","kind":"individual","status":"ceased"})"),
      R"({"person":{"status":"ok"},"taxpayer":{"status":"ok"}})");

  auto ok = run(registry_->register_insured(R"({"cnie":"T1","category":"TNS"})", agent()));
  ASSERT_TRUE(ok) << ok.error().message;
  auto body = body_of(ok);
  EXPECT_EQ(json::text(body, "/taxpayer/fiscal_id"), "12345678");
  const json::Value* p = json::find(body, "/provenance/~1taxpayer~1fiscal_id");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(json::text(*p, "/partner"), "dgi");

  auto unknown = run(registry_->register_insured(R"({"cnie":"T2","category":"TNS"})", agent()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unprocessable);
  EXPECT_EQ(unknown.error().detail, "not_self_employed");
  auto ceased = run(registry_->register_insured(R"({"cnie":"T3","category":"TNS"})", agent()));
  ASSERT_FALSE(ceased);
  EXPECT_EQ(ceased.error().detail, "not_self_employed");
  EXPECT_NE(ceased.error().message.find("ceased"), std::string::npos);
}

TEST_P(InsuredTest, ClientValueContradictingAPartnerNeedsTheOverrideRoleAndAReason) {
  const std::string body =
      R"({"cnie":"BK123456","category":"SALARIE","person":{"last_name":"AMRANI"}})";
  auto refused = run(registry_->register_insured(body, agent()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_EQ(refused.error().detail, "contradicts_source");
  EXPECT_NE(refused.error().message.find("/person/last_name: DGSN says \"EL AMRANI\""),
            std::string::npos)
      << refused.error().message;

  auto no_reason = run(registry_->register_insured(body, supervisor()));
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().detail, "contradicts_source");

  // The same value as the partner's is no contradiction.
  auto same = run(registry_->register_insured(
      R"({"cnie":"BK123456","category":"SALARIE","person":{"last_name":"EL AMRANI","first_name":"Fatima Zahra"},"override":{"reason":"x"}})",
      agent("k-same")));
  ASSERT_TRUE(same) << same.error().message;
  auto number = json::text(body_of(same), "/immatriculation").value_or("");

  facts_.people["AB1"] =
      facts_with_provenance(person_record("AB1", "BENJELLOUN", "Youssef", "M", "1981-11-02"), kOk);
  auto overridden = run(registry_->register_insured(
      R"({"cnie":"AB1","category":"SALARIE","person":{"last_name":"BEN JELLOUN","father_name":"Ahmed"},"override":{"reason":"civil status judgment 12/2025"}})",
      supervisor()));
  ASSERT_TRUE(overridden) << overridden.error().message;
  auto b = body_of(overridden);
  EXPECT_EQ(json::text(b, "/person/last_name"), "BEN JELLOUN");
  const json::Value* p = json::find(b, "/provenance/~1person~1last_name");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(json::text(*p, "/source"), "client");
  EXPECT_EQ(json::text(*p, "/principal"), "hub-admin");
  EXPECT_EQ(json::text(*p, "/reason"), "civil status judgment 12/2025");
  EXPECT_EQ(json::text(*p, "/overrides/value"), "BENJELLOUN");
  EXPECT_EQ(json::text(*p, "/overrides/provenance/partner"), "dgsn");
  // A field the partner does not know is the client's, with no override needed.
  const json::Value* father = json::find(b, "/provenance/~1person~1father_name");
  ASSERT_NE(father, nullptr);
  EXPECT_EQ(json::find(*father, "/overrides"), nullptr);
}

TEST_P(InsuredTest, CorrectionsOfAnIdentityFollowTheSameRule) {
  register_person("BK123456");
  auto refused =
      registry_->correct_person("BK123456", R"({"person":{"first_name":"Fatima"}})", agent());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().detail, "contradicts_source");
  auto added =
      registry_->correct_person("BK123456", R"({"person":{"mother_name":"Aicha"}})", agent());
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->version, 2);
  Caller boss = supervisor();
  boss.if_match = 2;
  auto fixed = registry_->correct_person(
      "BK123456", R"({"person":{"first_name":"Fatima"},"override":{"reason":"judgment 7/2026"}})",
      boss);
  ASSERT_TRUE(fixed) << fixed.error().message;
  auto b = body_of(registry_->person("BK123456"));
  EXPECT_EQ(json::text(b, "/person/first_name"), "Fatima");
  EXPECT_EQ(json::text(b, "/person/mother_name"), "Aicha");
  // The override still has DGSN's value behind it: an agent cannot change it, and a client's
  // own field (mother_name) is the client's to correct.
  auto again = registry_->correct_person("BK123456", R"({"person":{"first_name":"F."}})", agent());
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("DGSN says \"Fatima Zahra\""), std::string::npos)
      << again.error().message;
  EXPECT_TRUE(
      registry_->correct_person("BK123456", R"({"person":{"mother_name":"Aïcha"}})", agent()));
  auto h = body_of(registry_->history(streams::kPerson, "BK123456"));
  const auto& last = (*json::find(h, "/events"))[2];
  EXPECT_EQ(json::text(last, "/type"), "person.corrected");
  EXPECT_EQ(json::text(last, "/principal"), "hub-admin");
  EXPECT_EQ(json::text(last, "/reason"), "judgment 7/2026");
}

TEST_P(InsuredTest, IdempotencyKeyReplaysTheFirstAnswerAndNeverRegistersTwice) {
  const std::string body = R"({"cnie":"BK123456","category":"SALARIE"})";
  auto first = run(registry_->register_insured(body, agent("key-1")));
  ASSERT_TRUE(first) << first.error().message;
  auto replay = registry_->replayed(agent("key-1"));
  ASSERT_TRUE(replay);
  ASSERT_TRUE(*replay);
  EXPECT_EQ((*replay)->effect, Effect::created);
  EXPECT_EQ(json::dump((*replay)->view), text_of(first));
  EXPECT_EQ((*replay)->version, first->version);

  // The same key with another request is refused.
  Caller other = agent("key-1");
  other.request_hash = "another";
  auto reused = registry_->replayed(other);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().detail, "idempotency_key_reused");

  // A twin that did not see the stored answer (it checked before the first committed) still
  // gets the first answer, not a second record nor an error.
  auto twin = run(registry_->register_insured(body, agent("key-1")));
  ASSERT_TRUE(twin) << twin.error().message;
  EXPECT_EQ(text_of(twin), text_of(first));
  // Under another key, a second registration of the same CNIE is refused.
  auto again = run(registry_->register_insured(body, agent("key-2")));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().detail, "already_registered");
  auto page = store_->list_records(std::string(streams::kInsured), "", 10);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 1u);
}

TEST_P(InsuredTest, ConcurrentTwinsWithOneKeyGetOneRegistrationAndOneAnswer) {
  const std::string body = R"({"cnie":"BK123456","category":"SALARIE"})";
  std::vector<std::string> answers(6);
  std::vector<std::thread> twins;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    twins.emplace_back([&, i] {
      auto r = run(registry_->register_insured(body, agent("race-key")));
      answers[i] = text_of(r);
    });
  }
  for (auto& t : twins) t.join();
  for (const auto& a : answers) EXPECT_EQ(a, answers[0]);
  EXPECT_EQ(answers[0].rfind("error", 0), std::string::npos) << answers[0];
  auto page = store_->list_records(std::string(streams::kInsured), "", 10);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 1u);
}

TEST_P(InsuredTest, IfMatchRefusesAStaleUpdate) {
  const std::string number = register_person("BK123456");
  Caller c = agent();
  c.if_match = 1;
  auto changed = registry_->change_rib(number, R"({"rib":"011780000012345678901234"})", c);
  // 011780000012345678901234 is not ≡ 0 mod 97: the control comes before the version check.
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().message, "/rib: key does not match");

  auto ok = registry_->change_contact(number, R"({"contact":{"phone":"+212612345678"}})", c);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->version, 2);
  auto stale = registry_->change_contact(number, R"({"contact":{"phone":"+212600000000"}})", c);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, Errc::precondition_failed);
  EXPECT_EQ(json::text(body_of(registry_->insured(number)), "/contact/phone"), "+212612345678");
}

TEST_P(InsuredTest, HistoryRecordsWhatWhoWhenWhyAndFromWhere) {
  const std::string number = register_person("BK123456");
  clock_.set(Date{2026, 12, 5});
  ASSERT_TRUE(registry_->change_rib(
      number, R"({"rib":"230810000012345678901231","reason":"new bank"})", agent()));
  clock_.set(Date{2027, 1, 10});
  ASSERT_TRUE(registry_->change_insured_status(
      number, R"({"status":"SUSPENDED","reason":"documents missing"})", agent()));

  auto h = registry_->history(streams::kInsured, number);
  ASSERT_TRUE(h) << h.error().message;
  auto b = body_of(h);
  const json::Value* events = json::find(b, "/events");
  ASSERT_TRUE(events && events->IsArray());
  ASSERT_EQ(events->Size(), 3u);
  const json::Value& rib = (*events)[1];
  EXPECT_EQ(json::text(rib, "/type"), "rib.changed");
  EXPECT_EQ(json::text(rib, "/principal"), "agency-casa-anfa");
  EXPECT_EQ(json::text(rib, "/reason"), "new bank");
  EXPECT_EQ(json::text(rib, "/source"), "client");
  EXPECT_EQ(json::text(rib, "/correlation_id"), "corr-client");
  bool saw_rib = false;
  for (const auto& c : json::find(rib, "/changes")->GetArray()) {
    if (json::text(c, "/path") == "/rib") {
      saw_rib = true;
      EXPECT_EQ(json::text(c, "/old"), kRib);
      EXPECT_EQ(json::text(c, "/new"), "230810000012345678901231");
    }
  }
  EXPECT_TRUE(saw_rib);

  // The RIB history: one active at a time, each with when, who and why.
  auto ribs = body_of(registry_->rib_history(number));
  EXPECT_EQ(json::text(ribs, "/active"), "230810000012345678901231");
  ASSERT_EQ(json::find(ribs, "/ribs")->Size(), 2u);
  const auto& old_rib = (*json::find(ribs, "/ribs"))[0];
  EXPECT_EQ(json::text(old_rib, "/rib"), kRib);
  EXPECT_TRUE(json::find(old_rib, "/until_ms"));
  EXPECT_EQ(json::text((*json::find(ribs, "/ribs"))[1], "/reason"), "new bank");

  // Point-in-time reads fold the history up to the end of the day asked.
  auto before = registry_->insured(number, Date{2026, 12, 1});
  ASSERT_TRUE(before);
  EXPECT_EQ(json::text(body_of(before), "/rib"), kRib);
  EXPECT_EQ(json::text(body_of(before), "/status"), "ACTIVE");
  EXPECT_EQ(before->version, 1);
  auto mid = registry_->insured(number, Date{2026, 12, 5});
  EXPECT_EQ(json::text(body_of(mid), "/rib"), "230810000012345678901231");
  EXPECT_EQ(json::text(body_of(registry_->insured(number, Date{2027, 1, 10})), "/status"),
            "SUSPENDED");
  auto earlier = registry_->insured(number, Date{2026, 11, 26});
  ASSERT_FALSE(earlier);
  EXPECT_EQ(earlier.error().code, Errc::not_found);

  // The stored state is exactly what the events fold to.
  auto now = body_of(registry_->insured(number, Date{2030, 1, 1}));
  auto current = body_of(registry_->insured(number));
  now.RemoveMember("as_of");
  EXPECT_EQ(json::dump(now), json::dump(current));
}

TEST_P(InsuredTest, StatusTransitionsCardsAndDeath) {
  const std::string number = register_person("BK123456");
  auto card = registry_->request_card(number, R"({"reason":"first"})", agent());
  ASSERT_TRUE(card) << card.error().message;
  EXPECT_EQ(card->effect, Effect::created);
  EXPECT_EQ(json::text(body_of(card), "/cards/card-1/status"), "requested");
  auto bad = registry_->request_card(number, R"({"reason":"bored"})", agent());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "/reason: must be first, lost, stolen, damaged or renewal");
  auto no_reason = registry_->change_insured_status(number, R"({"status":"SUSPENDED"})", agent());
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().message, "/reason: is required");

  auto died = registry_->record_death("BK123456", "2026-11-20", "dgct", agent());
  ASSERT_TRUE(died) << died.error().message;
  auto b = body_of(died);
  EXPECT_EQ(json::text(b, "/status"), "CLOSED");
  EXPECT_EQ(json::text(b, "/person/death_date"), "2026-11-20");
  EXPECT_EQ(json::text(*json::find(b, "/provenance/~1person~1death_date"), "/partner"), "dgct");
  auto again = registry_->record_death("BK123456", "2026-11-20", "dgct", agent());
  ASSERT_TRUE(again) << "a partner's retry changes nothing";
  EXPECT_EQ(again->version, died->version);
  auto reopen =
      registry_->change_insured_status(number, R"({"status":"ACTIVE","reason":"x"})", agent());
  ASSERT_FALSE(reopen);
  EXPECT_EQ(reopen.error().detail, "invalid_transition");
  auto h = body_of(registry_->history(streams::kInsured, number));
  const auto& last = json::find(h, "/events")->GetArray()[json::find(h, "/events")->Size() - 1];
  EXPECT_EQ(json::text(last, "/source"), "dgct");
  EXPECT_EQ(json::text(last, "/reason"), "death reported by dgct");
}

// Cards: requested -> produced -> delivered, or cancelled with a reason; one first card, one
// card in progress at a time, a replacement only of a card that was made (issue 19, kind 7).
TEST_P(InsuredTest, CardsLiveFromRequestToDeliveryOrCancellation) {
  const std::string number = register_person("BK123456");
  auto status = [&](const std::string& card, const std::string& body) {
    return registry_->change_card_status(number, card, body, agent());
  };
  auto replace = registry_->request_card(number, R"({"reason":"lost"})", agent());
  ASSERT_FALSE(replace);
  EXPECT_EQ(replace.error().detail, "no_card_to_replace");
  ASSERT_TRUE(registry_->request_card(number, R"({"reason":"first"})", agent()));
  auto second = registry_->request_card(number, R"({"reason":"first"})", agent());
  ASSERT_FALSE(second) << "a second first card while the first is requested";
  EXPECT_EQ(second.error().detail, "card_in_progress");
  EXPECT_EQ(second.error().code, Errc::conflict);

  auto early = status("card-1", R"({"status":"delivered"})");
  ASSERT_FALSE(early) << "a card is produced before it is delivered";
  EXPECT_EQ(early.error().detail, "invalid_transition");
  EXPECT_EQ(early.error().message,
            "/cards/card-1/status: a requested card cannot become delivered");
  auto produced = status("card-1", R"({"status":"produced"})");
  ASSERT_TRUE(produced) << produced.error().message;
  EXPECT_EQ(json::text(body_of(produced), "/cards/card-1/status"), "produced");
  auto again = status("card-1", R"({"status":"produced"})");
  ASSERT_TRUE(again) << "a retry of the same change";
  EXPECT_EQ(again->effect, Effect::unchanged);
  EXPECT_EQ(again->version, produced->version);
  auto delivered =
      status("card-1", R"({"status":"delivered","reason":"handed over at the agency"})");
  ASSERT_TRUE(delivered) << delivered.error().message;
  auto b = body_of(delivered);
  EXPECT_EQ(json::text(b, "/cards/card-1/status"), "delivered");
  EXPECT_EQ(json::text(b, "/cards/card-1/delivered_by"), agent().principal);
  EXPECT_EQ(json::text(b, "/cards/card-1/status_reason"), "handed over at the agency");
  ASSERT_TRUE(json::find(b, "/cards/card-1/produced_on"));
  auto cancel_delivered = status("card-1", R"({"status":"cancelled","reason":"x"})");
  ASSERT_FALSE(cancel_delivered) << "delivered is final";
  EXPECT_EQ(cancel_delivered.error().detail, "invalid_transition");

  auto first_again = registry_->request_card(number, R"({"reason":"first"})", agent());
  ASSERT_FALSE(first_again) << "a second first card once the first is delivered";
  EXPECT_EQ(first_again.error().detail, "card_exists");
  ASSERT_TRUE(registry_->request_card(number, R"({"reason":"stolen"})", agent()));
  auto no_reason = status("card-2", R"({"status":"cancelled"})");
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().message, "/reason: is required");
  auto cancelled = status("card-2", R"({"status":"cancelled","reason":"found again"})");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(json::text(body_of(cancelled), "/cards/card-2/status"), "cancelled");
  EXPECT_TRUE(registry_->request_card(number, R"({"reason":"renewal"})", agent()))
      << "once the stolen card's request is cancelled, another may be asked";

  EXPECT_EQ(status("card-9", R"({"status":"produced"})").error().code, Errc::not_found);
  EXPECT_EQ(status("card-0", R"({"status":"produced"})").error().message,
            "/card: must be a card id: card-1, card-2...");
  EXPECT_EQ(status("card-3", R"({"status":"lost"})").error().message,
            "/status: must be produced, delivered or cancelled");
  // Every step is in the history, with its event type and reason.
  auto h = body_of(registry_->history(streams::kInsured, number));
  std::vector<std::string> types;
  for (const auto& e : json::find(h, "/events")->GetArray()) {
    types.push_back(json::text(e, "/type").value_or(""));
  }
  const std::vector<std::string> cards(types.end() - 6, types.end());
  EXPECT_EQ(cards,
            (std::vector<std::string>{"card.requested", "card.produced", "card.delivered",
                                      "card.requested", "card.cancelled", "card.requested"}));
}

// The switch to Damm check digits (docs/identifiers.md): a store that issued five numbers with a
// Luhn digit keeps them readable; the first number after the switch is serial 7 (6 was drawn to
// record the switch, never issued) with Damm's digit, and the switch is a record with a history.
TEST_P(InsuredTest, NumbersIssuedWithLuhnStayReadableAfterTheSwitchToDamm) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->next_number("immatriculation"));
  const std::string old_number =
      *identifiers::immatriculation_number(3, identifiers::CheckDigit::luhn);
  const std::string damm_three =
      *identifiers::immatriculation_number(3, identifiers::CheckDigit::damm);
  ASSERT_NE(old_number, damm_three) << "serial 3's two check digits differ";
  auto old = registry_->insured(old_number);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, Errc::not_found) << "a Luhn number issued before: well formed";
  auto wrong = registry_->insured(damm_three);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::invalid_input) << "serial 3 was issued with Luhn's digit";

  const std::string number = register_person("BK123456");
  EXPECT_EQ(number, *identifiers::immatriculation_number(7, identifiers::CheckDigit::damm));
  auto h = registry_->history(streams::kSettings, std::string(streams::kCheckDigitsSetting));
  ASSERT_TRUE(h) << h.error().message;
  const auto& switched = json::find(body_of(h), "/events")->GetArray()[0];
  EXPECT_EQ(json::text(switched, "/type"), "check_digits.switched");
  EXPECT_EQ(json::dump(*json::find(switched, "/changes")),
            R"([{"path":"/immatriculation_luhn_until","old":null,"new":5},)"
            R"({"path":"/affiliation_luhn_until","old":null,"new":0}])");
}

TEST_P(InsuredTest, RefreshClosesOnADeathDgsnReports) {
  const std::string number = register_person("BK123456");
  facts_.people["BK123456"] = facts_with_provenance(
      R"({"person":{"cnie":"BK123456","last_name":"EL AMRANI","first_name":"Fatima-Zahra","sex":"F","birth_date":"1985-03-14","death_date":"2026-11-25"}})",
      kOk);
  auto r = run(registry_->refresh_insured(number, agent()));
  ASSERT_TRUE(r) << r.error().message;
  auto b = body_of(r);
  EXPECT_EQ(json::text(b, "/status"), "CLOSED");
  EXPECT_EQ(json::text(b, "/person/first_name"), "Fatima-Zahra");
  auto ph = body_of(registry_->history(streams::kPerson, "BK123456"));
  EXPECT_EQ(json::find(ph, "/events")->Size(), 2u);
  EXPECT_EQ(json::text(json::find(ph, "/events")->GetArray()[1], "/source"), "dgsn");
}

TEST_P(InsuredTest, ADuplicateCnieIsRefused) {
  register_person("BK123456");
  auto again = run(registry_->register_insured(R"({"cnie":"BK123456","category":"TNS"})", agent()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_EQ(again.error().detail, "already_registered");
}

INSTANTIATE_TEST_SUITE_P(Engines, InsuredTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
