// The disclosures of one identifier on both engines: the partners' pulls from the index, newest
// first with the fields served, beside the hub's own exchanges about the same identifier from the
// journal (a pull's own journal entry listed once, as a disclosure); nothing about another
// identifier; the identifier only masked; retention removes the index rows past it and leaves the
// journal's chain as it was.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "hub/audit/journal.hpp"
#include "hub/partner/disclosures.hpp"
#include "unit/store/engines.hpp"

namespace {
using namespace std::chrono_literals;
using hub::partner::Subject;

class Disclosures : public hub::testing::StoreOnEngine {
 protected:
  hub::store::Disclosure row(const hub::audit::Journal& j, const std::string& ice,
                             std::int64_t time_ms, const std::string& purpose) {
    hub::store::Disclosure d;
    d.time_ms = time_ms;
    d.subject_hmac = j.identifier_hash(ice);
    d.identifier_masked = "00****66";
    d.principal = "dgi";
    d.agreement = "dgi_attestation";
    d.purpose = purpose;
    d.resource = "affiliation_attestation";
    d.fields = "affiliated_on,affiliation_number,status";
    d.outcome = "served";
    d.correlation_id = "c-" + purpose;
    return d;
  }
  hub::audit::ExchangeRecord exchange(const std::string& ice, const std::string& operation) {
    hub::audit::ExchangeRecord r;
    r.principal = "agency-casa-anfa";
    r.purpose = "AFFILIATION";
    r.partner = "ompic";
    r.operation = operation;
    r.identifier = ice;
    r.outcome = "ok";
    r.response_body_sha256 = std::string(64, '0');
    return r;
  }
};

const std::string kIce = "001561191000066";
const std::string kOther = "002136093000040";

TEST_P(Disclosures, PullsAndExchangesAboutOneIdentifierNewestFirst) {
  hub::audit::Journal journal(*store_, "a-test-key-of-32-bytes-or-more!!");
  const std::int64_t now = 1'790'000'000'000;
  ASSERT_TRUE(store_->add_disclosures({row(journal, kIce, now - 2000, "VAT_REFUND"),
                                       row(journal, kOther, now - 1500, "VAT_REFUND"),
                                       row(journal, kIce, now - 1000, "PUBLIC_PROCUREMENT")}));
  journal.append(exchange(kIce, "company_by_ice"));
  journal.append(exchange(kIce, "disclosure/dgi_attestation/affiliation_attestation"));
  journal.append(exchange(kOther, "company_by_ice"));
  ASSERT_TRUE(journal.flush());

  auto body =
      hub::partner::disclosures_json(*store_, journal, Subject{"employer", "1234567", kIce}, 100);
  ASSERT_TRUE(body) << body.error().message;
  rapidjson::Document d;
  d.Parse(body->c_str());
  ASSERT_TRUE(d.IsObject()) << *body;
  ASSERT_EQ(d["disclosures"].Size(), 2u) << *body;
  EXPECT_STREQ(d["disclosures"][0]["purpose"].GetString(), "PUBLIC_PROCUREMENT");
  EXPECT_STREQ(d["disclosures"][1]["purpose"].GetString(), "VAT_REFUND");
  EXPECT_EQ(d["disclosures"][0]["fields"].Size(), 3u);
  ASSERT_EQ(d["exchanges"].Size(), 1u) << "the pull's own entry is listed once: " << *body;
  EXPECT_STREQ(d["exchanges"][0]["operation"].GetString(), "company_by_ice");
  EXPECT_STREQ(d["subject"]["identifier_masked"].GetString(), "00***********66");
  EXPECT_EQ(body->find(kIce), std::string::npos) << "the ICE only masked";
}

// More pulls than the limit (a partner's round of checks) do not push the hub's own exchanges out
// of the listing: the pulls come from the index, the exchanges from the journal without them.
TEST_P(Disclosures, ManyPullsLeaveTheHubsOwnExchangesListed) {
  hub::audit::Journal journal(*store_, "a-test-key-of-32-bytes-or-more!!");
  const std::int64_t now = 1'790'000'000'000;
  journal.append(exchange(kIce, "company_by_ice"));
  std::vector<hub::store::Disclosure> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back(row(journal, kIce, now + i, "VAT_REFUND"));
    journal.append(exchange(kIce, "disclosure/dgi_attestation/affiliation_attestation"));
  }
  ASSERT_TRUE(store_->add_disclosures(rows));
  ASSERT_TRUE(journal.flush());

  auto body =
      hub::partner::disclosures_json(*store_, journal, Subject{"employer", "1234567", kIce}, 2);
  ASSERT_TRUE(body) << body.error().message;
  rapidjson::Document d;
  d.Parse(body->c_str());
  ASSERT_TRUE(d.IsObject()) << *body;
  EXPECT_EQ(d["disclosures"].Size(), 2u) << *body;
  ASSERT_EQ(d["exchanges"].Size(), 1u) << "the hub's own exchange is still listed: " << *body;
  EXPECT_STREQ(d["exchanges"][0]["operation"].GetString(), "company_by_ice");
}

TEST_P(Disclosures, RetentionRemovesTheIndexRowsPastItAndLeavesTheJournal) {
  hub::audit::Journal journal(*store_, "a-test-key-of-32-bytes-or-more!!");
  const auto now = std::chrono::system_clock::now();
  const auto ms = [](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  ASSERT_TRUE(store_->add_disclosures({row(journal, kIce, ms(now - 731 * 24h), "OLD"),
                                       row(journal, kIce, ms(now - 24h), "RECENT")}));
  journal.append(exchange(kIce, "company_by_ice"));
  ASSERT_TRUE(journal.flush());
  auto removed = hub::partner::prune_disclosures(*store_, now, 730 * 24h);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  auto rows = store_->list_disclosures(journal.identifier_hash(kIce), 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().purpose, "RECENT");
  EXPECT_TRUE(journal.verify()) << "the chain is untouched";
  // 0 keeps everything.
  EXPECT_EQ(*hub::partner::prune_disclosures(*store_, now + 10000 * 24h, 0ms), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, Disclosures, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
