// Conflicts end to end: simulators where DGCT's booklet disagrees with DGSN on a share of people
// (conflict_share, the rule on the CNIE in docs/simulators.md), and a real hub whose person recipe
// compares the two. What a registration screen shows as "the administrations disagree".
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "support/hub_process.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"

namespace ts = testing_support;

namespace {

class Conflicts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ts::SimOptions so;
    so.conflict_share = 0.1;  // CNIEs ending 00..09: even, the name; odd, the birth date
    sim_ = new ts::SimProcess(so);
    ts::HubOptions o;
    o.mappings = true;
    o.partners_yaml = ts::partners_for_sim(sim_->ports(), "", 3000);
    o.exchange_yaml = ts::default_exchange_yaml(8000);
    hub_ = new ts::HubProcess(o);
  }
  static void TearDownTestSuite() {
    delete hub_;
    delete sim_;
  }

  static rapidjson::Document person(const std::string& cnie) {
    auto ex = ts::https_request(hub_->port("internal"), ts::client("agency"), "POST",
                                "/v1/prefill/person",
                                R"({"cnie":")" + cnie + R"(","purpose":"IMMATRICULATION"})",
                                {{"Content-Type", "application/json"}});
    rapidjson::Document d;
    EXPECT_TRUE(ex.response) << ex.error;
    if (!ex.response) return d;
    EXPECT_EQ(ex.response->result_int(), 200u) << ex.response->body();
    d.Parse(ex.response->body().c_str());
    return d;
  }
  static std::string str(const rapidjson::Value& v, const char* pointer) {
    const auto* s = rapidjson::Pointer(pointer).Get(v);
    return s && s->IsString() ? std::string(s->GetString()) : std::string();
  }

  static ts::SimProcess* sim_;
  static ts::HubProcess* hub_;
};
ts::SimProcess* Conflicts::sim_ = nullptr;
ts::HubProcess* Conflicts::hub_ = nullptr;

TEST_F(Conflicts, ANameSpeltDifferentlyIsListedWithBothValues) {
  auto d = person("BK123404");
  ASSERT_TRUE(d.IsObject() && d["conflicts"].IsArray());
  ASSERT_EQ(d["conflicts"].Size(), 1u);
  const auto& c = d["conflicts"][0];
  EXPECT_EQ(str(c, "/field"), "last_name");
  ASSERT_EQ(c["values"].Size(), 2u);
  EXPECT_EQ(str(c, "/values/0/partner"), "dgsn");
  EXPECT_EQ(str(c, "/values/0/path"), "/person/last_name");
  EXPECT_EQ(str(c, "/values/1/partner"), "dgct");
  EXPECT_EQ(str(c, "/values/1/path"), "/family/holder/last_name");
  EXPECT_EQ(str(c, "/values/0/value"), str(d, "/record/person/last_name"));
  EXPECT_EQ(str(c, "/values/1/value"), str(d, "/record/family/holder/last_name"));
  EXPECT_NE(str(c, "/values/0/value"), str(c, "/values/1/value"));
}

TEST_F(Conflicts, ABirthDateOffByAYearIsListedWithBothValues) {
  auto d = person("BK123407");
  ASSERT_TRUE(d.IsObject() && d["conflicts"].IsArray());
  ASSERT_EQ(d["conflicts"].Size(), 1u);
  const auto& c = d["conflicts"][0];
  EXPECT_EQ(str(c, "/field"), "birth_date");
  const std::string dgsn = str(c, "/values/0/value"), dgct = str(c, "/values/1/value");
  ASSERT_GE(dgsn.size(), 4u);
  ASSERT_EQ(dgct.size(), 10u);
  EXPECT_EQ(std::stoi(dgct.substr(0, 4)), std::stoi(dgsn.substr(0, 4)) + 1);
}

TEST_F(Conflicts, PeopleOutsideTheShareHaveNone) {
  for (const char* cnie : {"BK123410", "BK123411", "BK123450"}) {
    auto d = person(cnie);
    ASSERT_TRUE(d.IsObject() && d["conflicts"].IsArray()) << cnie;
    EXPECT_EQ(d["conflicts"].Size(), 0u) << cnie;
  }
}

}  // namespace
