// Bulk prefill jobs in the store, on both engines: items kept in line order, claimed (marked in
// flight) before they are asked, each result counted once however often it is recorded, errors
// counted by code, and a final state kept.
#include <gtest/gtest.h>

#include "unit/store/engines.hpp"

namespace hub::store {
namespace {

class JobsStoreTest : public hub::testing::StoreOnEngine {
 protected:
  void SetUp() override {
    StoreOnEngine::SetUp();
    if (!store_) return;
    PrefillJob job;
    job.id = "job-1";
    job.owner = "agency-casa";
    job.purpose = "IMMATRICULATION";
    job.kind = "person";
    job.created_ms = 1000;
    ASSERT_TRUE(store_->create_prefill_job(job));
  }

  static PrefillJobItem item(std::int64_t line, std::string id, std::string state = "pending",
                             std::string error = "") {
    PrefillJobItem i;
    i.line = line;
    i.identifier = std::move(id);
    i.state = std::move(state);
    i.error = std::move(error);
    return i;
  }

  static PrefillJobItem answered(std::int64_t line, int status, std::string error = "") {
    PrefillJobItem i;
    i.line = line;
    i.state = error.empty() ? "done" : "error";
    i.status = status;
    i.error = std::move(error);
    i.result = R"({"line":)" + std::to_string(line) + "}";
    return i;
  }

  PrefillJob job() {
    auto j = store_->read_prefill_job("job-1");
    EXPECT_TRUE(j && *j);
    return j && *j ? **j : PrefillJob{};
  }
};

TEST_P(JobsStoreTest, ItemsAreClaimedInLineOrderAndEachResultIsCountedOnce) {
  // Added in two calls, out of order within the second: read back in line order.
  ASSERT_TRUE(store_->add_prefill_items(
      "job-1", {item(1, "BK1"), item(2, "x!", "error", "invalid_cnie"), item(3, "BK3")}));
  ASSERT_TRUE(store_->add_prefill_items("job-1", {item(5, "BK5"), item(4, "BK4")}));
  EXPECT_EQ(job().total, 5);
  EXPECT_EQ(job().done, 1) << "a line refused at submission is final";
  EXPECT_EQ(job().errors.at("invalid_cnie"), 1);

  auto first = store_->claim_prefill_items("job-1", 0, 2);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ(first->at(0).line, 1);
  EXPECT_EQ(first->at(1).line, 3) << "the refused line is not claimed";
  EXPECT_EQ(first->at(0).state, "pending") << "as it was before the claim";
  // Claimed again (a runner that resumes): they come back, now marked in flight.
  auto again = store_->claim_prefill_items("job-1", 0, 2);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ(again->at(0).state, "asking");

  ASSERT_TRUE(store_->record_prefill_results("job-1", {answered(1, 200), answered(3, 404)}, {}));
  ASSERT_TRUE(store_->record_prefill_results("job-1", {answered(1, 200)}, {}))
      << "recording twice is no error";
  EXPECT_EQ(job().done, 3) << "a result recorded twice is counted once";
  auto rest = store_->claim_prefill_items("job-1", 3, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->at(0).line, 4);
  ASSERT_TRUE(store_->record_prefill_results(
      "job-1", {answered(4, 503, "partner_unavailable"), answered(5, 429, "rate_limited")}, {}));
  const auto j = job();
  EXPECT_EQ(j.done, 5);
  EXPECT_EQ(j.errors.at("partner_unavailable"), 1);
  EXPECT_EQ(j.errors.at("rate_limited"), 1);
  EXPECT_TRUE(store_->claim_prefill_items("job-1", 0, 10)->empty());

  auto all = store_->prefill_job_items("job-1", 0, 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ(all->at(i).line, i + 1);
  EXPECT_EQ(all->at(1).identifier, "x!");
  EXPECT_EQ(all->at(2).status, 404);
  EXPECT_EQ(all->at(2).result, R"({"line":3})");
  EXPECT_EQ(store_->prefill_job_items("job-1", 3, 1)->at(0).line, 4) << "a page after a line";
}

TEST_P(JobsStoreTest, ALineGivenTwiceStoresNothingOfTheCall) {
  ASSERT_TRUE(store_->add_prefill_items("job-1", {item(1, "BK1")}));
  EXPECT_FALSE(store_->add_prefill_items("job-1", {item(2, "BK2"), item(1, "BK1")}));
  EXPECT_EQ(job().total, 1);
  EXPECT_EQ(store_->prefill_job_items("job-1", 0, 10)->size(), 1u);
}

TEST_P(JobsStoreTest, AFinalStateIsKeptAndOnlyRunnableJobsAreListed) {
  auto none = store_->read_prefill_job("job-9");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_EQ(*store_->runnable_prefill_jobs(10), std::vector<std::string>{"job-1"});
  EXPECT_TRUE(*store_->set_prefill_job_state("job-1", "running"));
  EXPECT_TRUE(*store_->set_prefill_job_state("job-1", "cancelled"));
  EXPECT_FALSE(*store_->set_prefill_job_state("job-1", "running")) << "cancelled is final";
  EXPECT_EQ(job().state, "cancelled");
  EXPECT_TRUE(store_->runnable_prefill_jobs(10)->empty());
}

// A job's disclosures are written with its results, in the same transaction, and only for the
// items whose result that call stores: recording a batch again (a resumed runner) adds none, and
// a row with no subject (nothing fetched) is none.
TEST_P(JobsStoreTest, AJobsDisclosuresAreRecordedWithItsResultsOnceEach) {
  ASSERT_TRUE(store_->add_prefill_items("job-1", {item(1, "BK1"), item(2, "BK2"), item(3, "BK3")}));
  ASSERT_TRUE(store_->claim_prefill_items("job-1", 0, 10));
  auto disclosure = [](const std::string& subject, const std::string& outcome) {
    Disclosure d;
    d.time_ms = 5000;
    d.subject_hmac = subject;
    d.identifier_masked = "BK****1";
    d.principal = "agency-casa";
    d.purpose = "IMMATRICULATION";
    d.resource = "prefill_job";
    d.fields = outcome == "served" ? "person.last_name" : "";
    d.outcome = outcome;
    d.correlation_id = "c-" + subject;
    d.job = "job-1";
    return d;
  };
  ASSERT_TRUE(store_->record_prefill_results(
      "job-1", {answered(1, 200), answered(2, 404, "not_found"), answered(3, 500, "internal")},
      {disclosure("h1", "served"), disclosure("h2", "not_found"), Disclosure{}}));
  // Again, as a runner resuming after a kill would: stored already, so no second row.
  ASSERT_TRUE(
      store_->record_prefill_results("job-1", {answered(1, 200)}, {disclosure("h1", "served")}));
  auto h1 = store_->list_disclosures("h1", 10);
  ASSERT_TRUE(h1);
  ASSERT_EQ(h1->size(), 1u) << "a result recorded twice is disclosed once";
  EXPECT_EQ(h1->at(0).job, "job-1");
  EXPECT_EQ(h1->at(0).principal, "agency-casa");
  EXPECT_EQ(h1->at(0).purpose, "IMMATRICULATION");
  EXPECT_EQ(h1->at(0).fields, "person.last_name");
  EXPECT_EQ(h1->at(0).time_ms, 5000);
  ASSERT_EQ(store_->list_disclosures("h2", 10)->size(), 1u);
  EXPECT_EQ(store_->list_disclosures("h2", 10)->at(0).outcome, "not_found");
  EXPECT_TRUE(store_->list_disclosures("", 10)->empty()) << "nothing fetched, nothing disclosed";
  // A partner's pull has no job.
  Disclosure pull = disclosure("h3", "served");
  pull.job.clear();
  ASSERT_TRUE(store_->add_disclosures({pull}));
  EXPECT_EQ(store_->list_disclosures("h3", 10)->at(0).job, "");
}

INSTANTIATE_TEST_SUITE_P(Engines, JobsStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::store
