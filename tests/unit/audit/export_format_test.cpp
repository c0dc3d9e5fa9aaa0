// The export's entry lines read back to the very bytes the chain hashed, and a line that is not
// exactly an entry is refused naming the field.
#include "hub/audit/export_format.hpp"

#include <gtest/gtest.h>

#include "hub/audit/chain.hpp"
#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

TEST(ExportFormat, EntriesRoundTripByteForByte) {
  auto entries = testing::make_journal(3);
  entries[1].principal = std::string("quote \" backslash \\ tab \t nul ") + '\0' + " end";
  entries[1].purpose = "portail-assuré \xE2\x80\x94 \x7f";
  entries[1].outcome = "\x01\x1f";
  entries[2].latency_us = -1;
  entries[2].time_ms = 9'007'199'254'740'993;  // above 2^53: a double would round it
  testing::reseal(entries);
  for (const auto& e : entries) {
    const std::string line = entry_to_json(e);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = entry_from_json(line);
    ASSERT_TRUE(back) << back.error().message << "\n" << line;
    EXPECT_EQ(entry_bytes(*back), entry_bytes(e));
    EXPECT_EQ(back->entry_hash, e.entry_hash);
    EXPECT_EQ(entry_hash(*back), e.entry_hash);
  }
}

TEST(ExportFormat, TheLineNamesEveryColumn) {
  auto e = testing::make_journal(1)[0];
  EXPECT_EQ(entry_to_json(e).substr(0, 39), R"({"seq":1,"time_ms":1795000000137,"princ)");
  for (const char* field :
       {"\"seq\"", "\"time_ms\"", "\"principal\"", "\"purpose\"", "\"correlation_id\"",
        "\"partner\"", "\"operation\"", "\"identifier_hmac\"", "\"identifier_masked\"",
        "\"outcome\"", "\"latency_us\"", "\"response_sha256\"", "\"prev_hash\"",
        "\"entry_hash\""}) {
    EXPECT_NE(entry_to_json(e).find(field), std::string::npos) << field;
  }
}

TEST(ExportFormat, ALineThatIsNotExactlyAnEntryIsRefused) {
  const std::string good = entry_to_json(testing::make_journal(1)[0]);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const struct {
    std::string line;
    std::string reason;
  } cases[] = {
      {"", "not JSON"},
      {"[1]", "not a JSON object"},
      {good + " x", "not JSON"},
      {replaced("\"seq\":1,", ""), "field 'seq' is missing"},
      {replaced("\"seq\":1,", "\"seq\":1,\"seq\":1,"), "field 'seq' appears twice"},
      {replaced("\"seq\":1,", "\"seq\":1,\"note\":\"x\","), "unknown field 'note'"},
      {replaced("\"seq\":1,", "\"seq\":\"1\","), "'seq' is not an integer"},
      {replaced("\"seq\":1,", "\"seq\":1.5,"), "'seq' is not an integer"},
      {replaced("\"outcome\":\"ok\"", "\"outcome\":null"), "'outcome' is not a string"},
  };
  for (const auto& c : cases) {
    auto r = entry_from_json(c.line);
    ASSERT_FALSE(r) << c.reason;
    EXPECT_EQ(r.error().wire_code(), "malformed_entry");
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << "expected '" << c.reason << "' in: " << r.error().message;
  }
}

TEST(ExportFormat, HeadRoundTrips) {
  const store::JournalHead head{42, std::string(64, 'a')};
  auto back = head_from_json(head_to_json(head));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->hash, head.hash);
  EXPECT_FALSE(head_from_json(R"({"seq":42})"));
}

TEST(ExportWriter, RefusesAFolderInUseAndTwoCheckpointsOfOneSize) {
  const auto dir = testing::fresh_dir("export-writer");
  const auto entries = testing::make_journal(4);
  const auto signer = testing::log_signer();
  auto w = ExportWriter::create(dir);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_TRUE(w->add_checkpoint(testing::checkpoint_of(entries, 4, signer)));
  EXPECT_EQ(
      w->add_checkpoint(testing::checkpoint_of(entries, 4, testing::log_signer('x'))).error().code,
      Errc::conflict);
  EXPECT_FALSE(w->add_checkpoint("not a checkpoint"));
  ASSERT_TRUE(w->finish());
  EXPECT_TRUE(std::filesystem::exists(dir / "checkpoints" / "4.checkpoint"));
  EXPECT_EQ(ExportWriter::create(dir).error().code, Errc::conflict);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hub::audit
