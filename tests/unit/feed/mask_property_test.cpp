// Property (issue 12, items 1 and 4): the change feed serves a consumer only what its agreements
// allow. Random agreements (of this consumer or another, in force or not, listing random feed
// resources and random field paths) over random registry records of every kind the feed carries
// never let through a record of a kind no agreement in force lists, nor a field outside the
// union of their masks, nor a personal field whose own path is not listed.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <random>
#include <set>

#include "hub/agreements/mask.hpp"
#include "hub/feed/mask.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/registry/json.hpp"
#include "unit/agreements/mask_rule.hpp"

namespace {
using namespace std::chrono;
using hub::agreements::Agreement;
using hub::agreements::MaskField;
using hub::agreements::Resource;
using hub::feed::ConsumerMasks;
using rapidjson::Value;

// A full registry record of each kind, as the registry stores it (docs/registration.md), with
// the members no feed resource reads (provenance, prefill, partner sections).
const std::map<std::string, const char*> kRecords = {
    {"person", R"({"id": "BK123456", "person": {"cnie": "BK123456", "last_name": "EL AMRANI",
        "first_name": "ALI", "birth_date": "1985-03-02", "sex": "M", "father_name": "DRISS",
        "address": {"line": "12 RUE X", "commune": "ANFA"}, "card": {"status": "valid",
        "expires_on": "2031-01-01"}}, "provenance": {"/person/cnie": {"partner": "dgsn"}}})"},
    {"insured", R"({"immatriculation": "100000018", "cnie": "BK123456", "category": "SALARIE",
        "status": "ACTIVE", "status_since": "2026-01-02", "status_reason": "registered",
        "registered_on": "2026-01-02", "rib": "011780000012345678901234",
        "contact": {"phone": "0612345678", "email": "a@b.ma", "address": "12 RUE X"},
        "taxpayer": {"cnie": "BK123456"}, "household": {"index": 9.3},
        "prefill": {"dgsn": {"cnie": "BK123456"}}, "provenance": {"/rib": {"source": "client"}}})"},
    {"family", R"({"immatriculation": "100000018", "holder_cnie": "BK123456",
        "members": {"s1": {"relation": "spouse", "cnie": "BE789012", "last_name": "TAZI",
        "first_name": "SARA", "sex": "F", "birth_date": "1990-05-01", "status": "married",
        "marriage_act": {"number": "12"}, "source": "client"}, "k1": {"relation": "child",
        "last_name": "EL AMRANI", "first_name": "YOUNES", "birth_date": "2015-09-09",
        "birth_act": {"number": "77"}, "source": "dgct"}},
        "eligibility": {"k1": {"covered": true}}, "provenance": {}})"},
    {"employer", R"({"affiliation_number": "1234567", "ice": "001561191000066",
        "status": "ACTIVE", "status_since": "2015-06-01", "affiliated_on": "2015-06-01",
        "agency": "CASA-ANFA", "company": {"name": "ATLAS", "managers": [{"cnie": "BE1"}]},
        "declared_employees_last_month": 42, "last_declaration_period": "2026-10",
        "representatives": {"BE789012": {"cnie": "BE789012", "last_name": "TAZI"}},
        "provenance": {}})"},
};

const sys_days kToday = sys_days(year{2026} / 12 / 1);

class Maker {
 public:
  explicit Maker(std::mt19937& rng) : rng_(rng) {}
  bool coin(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

  // 1 to 3 agreements over the feed's resources (and one partner resource), random fields.
  std::vector<Agreement> agreements(const hub::mapping::Snapshot& mappings) {
    std::vector<Agreement> out(std::uniform_int_distribution<>(1, 3)(rng_));
    for (auto& a : out) {
      a.name = "a" + std::to_string(rng_());
      a.principal = coin(0.75) ? "feed-x" : "feed-y";
      a.valid_from = sys_days(year{2026} / 1 / 1);
      a.valid_until = coin(0.8) ? sys_days(year{2027} / 1 / 1) : sys_days(year{2026} / 6 / 1);
      for (const auto& kind : hub::agreements::resource_kinds()) {
        if (!coin(0.5)) continue;
        Resource r{std::string(kind.name), {}, {}};
        std::vector<agreements_test::PathInfo> paths;
        agreements_test::paths_of(*mappings.model().find(kind.entity), "", 2, paths);
        for (const auto& p : paths) {
          if (coin(0.3)) r.fields.push_back({p.path, {}});
        }
        a.resources.push_back(std::move(r));
      }
    }
    return out;
  }

  // The record with members left out and members no resource knows added, at random.
  std::string record(const std::string& kind) {
    rapidjson::Document d;
    d.Parse(kRecords.at(kind));
    std::vector<std::string> names;
    for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) names.emplace_back(m->name.GetString());
    for (const auto& n : names) {
      if (coin(0.2)) d.RemoveMember(n.c_str());
    }
    if (coin(0.3)) d.AddMember("cnie_copy", "BK123456", d.GetAllocator());
    return hub::registry::json::dump(d);
  }

 private:
  std::mt19937& rng_;
};

TEST(FeedMaskProperty, RandomAgreementsOverRandomRecordsNeverLeak) {
  auto set = hub::mapping::load_mapping_set(CNSS_SOURCE_DIR "/mappings");
  ASSERT_TRUE(set.ok()) << (set.diagnostics.empty() ? "" : set.diagnostics.front().str());
  std::mt19937 rng(20261203);
  Maker maker(rng);
  std::size_t served = 0, personal_served = 0, withheld_kinds = 0, refused = 0;
  for (int round = 0; round < 600; ++round) {
    const auto agreements = maker.agreements(*set.snapshot);
    // What the rule allows: the paths of feed-x's agreements in force, by kind.
    std::map<std::string, std::set<std::string>> listed;
    for (const auto& a : agreements) {
      if (a.principal != "feed-x" || !a.in_force(kToday)) continue;
      for (const auto& r : a.resources) {
        auto& l = listed[r.name];
        for (const auto& f : r.fields) l.insert(f.path);
      }
    }
    auto masks = ConsumerMasks::of(agreements, "feed-x", set.snapshot, kToday);
    bool any_feed = false;
    for (const auto& [kind, text] : kRecords) any_feed = any_feed || listed.contains(kind);
    if (!any_feed) {
      ASSERT_FALSE(masks.has_value()) << "a consumer with no agreement in force was served";
      EXPECT_EQ(masks.error().wire_code(), "no_agreement");
      ++refused;
      continue;
    }
    ASSERT_TRUE(masks.has_value()) << masks.error().message;
    for (const auto& [kind, text] : kRecords) {
      const auto shown = masks->state(kind, maker.record(kind));
      if (!listed.contains(kind)) {
        ASSERT_FALSE(shown.has_value()) << kind << " served without an agreement listing it";
        ++withheld_kinds;
        continue;
      }
      ASSERT_TRUE(shown.has_value()) << kind;
      const auto* kd = hub::agreements::find_resource_kind(kind);
      std::vector<agreements_test::PathInfo> paths;
      agreements_test::paths_of(*set.snapshot->model().find(kd->entity), "", 3, paths);
      std::map<std::string, bool> personal;
      for (const auto& p : paths) personal[p.path] = p.personal;
      rapidjson::Document out;
      out.Parse(shown->c_str());
      ASSERT_TRUE(out.IsObject()) << *shown;
      std::set<std::string> got;
      agreements_test::leaves(out, "", got);
      for (const auto& leaf : got) {
        ASSERT_TRUE(agreements_test::allowed(leaf, listed[kind], personal))
            << kind << ": " << leaf << " leaked through " << *shown;
        personal_served += personal.at(leaf) ? 1 : 0;
      }
      served += got.size();
    }
  }
  // Not vacuous: fields (personal ones included) are served, kinds withheld, consumers refused.
  EXPECT_GT(served, 2000u);
  EXPECT_GT(personal_served, 200u);
  EXPECT_GT(withheld_kinds, 100u);
  EXPECT_GT(refused, 5u);
}

// The readings the masks apply to: each kind's registry record as its canonical entity.
TEST(FeedMask, ReadsEachKindAsItsCanonicalEntity) {
  auto set = hub::mapping::load_mapping_set(CNSS_SOURCE_DIR "/mappings");
  ASSERT_TRUE(set.ok());
  Agreement a;
  a.name = "all";
  a.principal = "feed-x";
  a.valid_from = sys_days(year{2026} / 1 / 1);
  a.valid_until = sys_days(year{2027} / 1 / 1);
  a.resources = {Resource{"family", {{"members", {}}, {"members/first_name", {}}}, {}},
                 Resource{"employer", {{"company_name", {}}, {"agency", {}}}, {}},
                 Resource{"person", {{"address", {}}}, {}}};
  auto masks = ConsumerMasks::of({a}, "feed-x", set.snapshot, kToday);
  ASSERT_TRUE(masks.has_value());
  EXPECT_EQ(*masks->state("family", kRecords.at("family")),
            R"({"members":[{"relation":"spouse","first_name":"SARA","sex":"F","status":"married",)"
            R"("member_id":"s1"},{"relation":"child","first_name":"YOUNES","member_id":"k1"}]})");
  EXPECT_EQ(*masks->state("employer", kRecords.at("employer")),
            R"({"company_name":"ATLAS","agency":"CASA-ANFA"})");
  EXPECT_EQ(*masks->state("person", kRecords.at("person")),
            R"({"address":{"line":"12 RUE X","commune":"ANFA"}})");
  EXPECT_FALSE(masks->state("insured", kRecords.at("insured")).has_value());
  EXPECT_FALSE(masks->state("pending_affiliation", "{}").has_value());
}

}  // namespace
