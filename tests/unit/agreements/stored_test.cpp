// The agreements in the store, on both engines: seeded once from the configuration, read back the
// same by every node, replaced only when valid and not stale, with their history.
#include <gtest/gtest.h>

#include "hub/agreements/stored.hpp"
#include "hub/config/agreements.hpp"
#include "model.hpp"
#include "unit/store/engines.hpp"

namespace {
using namespace hub::agreements;
using hub::config::Principal;

const std::vector<Principal> kPrincipals{{"dgi", "CN=dgi", "CN=DGI CA", "", {"partner"}},
                                         {"bank", "CN=bank", "CN=Bank CA", "", {"partner"}}};

const char* kDgi = R"({"dgi_attestation": {"principal": "dgi",
  "legal_basis": {"text": "Convention CNSS-DGI, art. 3", "reference": "CNV-DGI-2024-017"},
  "purposes": ["VAT_REFUND"], "purpose_header": "X-DGI-Motif",
  "resources": {"affiliation_attestation": {"fields": ["affiliation_number", "status"]}},
  "quota": {"per_second": 50, "per_day": 200000},
  "valid_from": "2025-01-01", "valid_until": "2027-12-31"}})";

class StoredAgreementsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    auto s = hub::store::open(db_->options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto seed = hub::config::parse_agreements(kDgi, "seed", kPrincipals);
    ASSERT_TRUE(seed.problems.empty());
    seed_ = std::move(seed.agreements);
  }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<hub::store::Store> store_;
  std::vector<Agreement> seed_;
};

TEST_P(StoredAgreementsTest, SeededOnceThenReadBackByEveryNode) {
  auto first = load_or_seed(*store_, seed_, kPrincipals, {"configuration", "", "c-1", 1000});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->version, 1);
  ASSERT_EQ(first->agreements.size(), 1u);
  EXPECT_EQ(first->agreements[0].purpose_header, "X-DGI-Motif");
  EXPECT_EQ(iso_day(first->agreements[0].valid_until), "2027-12-31");
  // A second node, configured with nothing, serves the stored set.
  auto s2 = hub::store::open(db_->options());
  ASSERT_TRUE(s2);
  auto second = load_or_seed(**s2, {}, kPrincipals, {"configuration", "", "c-2", 2000});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->version, 1);
  EXPECT_EQ(second->json, first->json);
  EXPECT_EQ(to_json(second->agreements), first->json);
}

TEST_P(StoredAgreementsTest, ReplacedWhenValidWithHistory) {
  ASSERT_TRUE(load_or_seed(*store_, seed_, kPrincipals, {"configuration", "", "c-1", 1000}));
  std::string next = kDgi;
  next.replace(next.find("\"status\""), 8, "\"affiliated_on\"");
  auto r = replace(*store_, next, 1, kPrincipals, agreements_test::model(),
                   {"admin-1", "convention amendment 2", "c-3", 3000});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->agreements[0].resources[0].fields[1].path, "affiliated_on");
  // Stale: someone replaced version 1 already.
  auto stale = replace(*store_, next, 1, kPrincipals, agreements_test::model(),
                       {"admin-2", "", "c-4", 4000});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, hub::Errc::conflict);
  auto h = history(*store_);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].type, "agreements.seeded");
  EXPECT_EQ((*h)[1].type, "agreements.replaced");
  EXPECT_EQ((*h)[1].principal, "admin-1");
  EXPECT_EQ((*h)[1].reason, "convention amendment 2");
}

TEST_P(StoredAgreementsTest, AnInvalidSetIsRefusedWithEveryProblemAndNothingStored) {
  ASSERT_TRUE(load_or_seed(*store_, seed_, kPrincipals, {"configuration", "", "c-1", 1000}));
  std::string bad = kDgi;
  bad.replace(bad.find("\"status\""), 8, "\"employees/salry\"");
  bad.replace(bad.find("\"dgi\""), 5, "\"nobody\"");
  auto r =
      replace(*store_, bad, 1, kPrincipals, agreements_test::model(), {"admin-1", "", "c-3", 3000});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "invalid_agreements");
  EXPECT_NE(r.error().details_json.find("no principal named 'nobody'"), std::string::npos)
      << r.error().details_json;
  // The model is checked once the text reads: fix the principal, the field is reported.
  bad.replace(bad.find("\"nobody\""), 8, "\"dgi\"");
  r = replace(*store_, bad, 1, kPrincipals, agreements_test::model(), {"admin-1", "", "c-3", 3000});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().details_json.find("did you mean 'salary'"), std::string::npos)
      << r.error().details_json;
  auto h = history(*store_);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoredAgreementsTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
