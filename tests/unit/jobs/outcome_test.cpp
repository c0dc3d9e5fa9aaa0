// What a job keeps of a prefill: the compact result of a 200, a final error for a 404, nothing
// (ask again) when no partner could answer; and the result line served for it.
#include "hub/jobs/outcome.hpp"

#include <gtest/gtest.h>

namespace hub::jobs {
namespace {

store::PrefillJobItem asked() {
  store::PrefillJobItem i;
  i.line = 7;
  i.identifier = "BK123456";
  i.state = "asking";
  return i;
}

TEST(JobOutcome, AnAnswerKeepsRecordProvenanceConflictsAndOneWordPerPartner) {
  exchange::PrefillResult r;
  r.body = R"({"record":{"person":{"last_name":"ALAMI"}},"provenance":{"person":{"partner":"dgsn",)"
           R"("fields":{"/last_name":"c:Nom"}}},"conflicts":[],"partners":{"dgsn":{"status":"ok",)"
           R"("latency_ms":3.2,"attempts":1},"dgct":{"status":"error","error":{"code":"timeout",)"
           R"("message":"slow"},"latency_ms":800,"attempts":2}},"correlation_id":"c-1"})";
  auto item = outcome_of(asked(), r);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->state, "done");
  EXPECT_EQ(item->status, 200);
  EXPECT_EQ(item->result,
            R"({"record":{"person":{"last_name":"ALAMI"}},"provenance":{"person":{"partner":)"
            R"("dgsn","fields":{"/last_name":"c:Nom"}}},"partners":{"dgsn":"ok",)"
            R"("dgct":"error:timeout"},"correlation_id":"c-1"})");
  EXPECT_EQ(result_line(*item, "person"),
            R"({"line":7,"cnie":"BK123456","status":200,"record":{"person":{"last_name":)"
            R"("ALAMI"}},"provenance":{"person":{"partner":"dgsn","fields":{"/last_name":)"
            R"("c:Nom"}}},"partners":{"dgsn":"ok","dgct":"error:timeout"},)"
            R"("correlation_id":"c-1"})");
}

TEST(JobOutcome, NotFoundIsFinalAndWhatPassesIsAskedAgain) {
  exchange::PrefillResult nobody;
  nobody.status = 404;
  auto item = outcome_of(asked(), nobody);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->state, "error");
  EXPECT_EQ(item->error, "not_found");
  EXPECT_EQ(result_line(*item, "person"),
            R"({"line":7,"cnie":"BK123456","status":404,"error":"not_found"})");
  for (unsigned status : {429u, 503u}) {
    exchange::PrefillResult r;
    r.status = status;
    EXPECT_FALSE(outcome_of(asked(), r)) << status;
  }
  exchange::PrefillResult journal;
  journal.error = make_error(Errc::journal_unavailable, "the journal cannot record");
  EXPECT_FALSE(outcome_of(asked(), journal));
}

}  // namespace
}  // namespace hub::jobs
