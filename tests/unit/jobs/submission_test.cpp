// A job's file read into items: CSV or NDJSON, identifiers read as people type them, a bad line
// an item error with its line number and code, the whole file refused only when it holds no
// identifier or too many lines; items handed over a chunk at a time.
#include "hub/jobs/submission.hpp"

#include <gtest/gtest.h>

namespace hub::jobs {
namespace {

struct Read {
  Result<void> result;
  Reading reading;
  std::vector<store::PrefillJobItem> items;
  std::vector<std::size_t> chunks;
};

// The file fed `piece` bytes at a time (lines cut across pieces), its items taken once `chunk`
// are read, as the upload route stores them.
Read read(std::string_view body, std::string_view kind = "person", std::size_t max_lines = 100,
          std::size_t chunk = 1000, std::size_t piece = 3) {
  Read r;
  FileReader file(kind, max_lines);
  auto take = [&](bool all) {
    auto& items = file.reading().items;
    if (items.empty() || (!all && items.size() < chunk)) return;
    r.chunks.push_back(items.size());
    r.items.insert(r.items.end(), items.begin(), items.end());
    items.clear();
  };
  for (std::size_t at = 0; at < body.size() && r.result; at += piece) {
    r.result = file.feed(body.substr(at, piece));
    take(false);
  }
  if (r.result) r.result = file.finish();
  take(true);
  r.reading = file.reading();
  return r;
}

TEST(JobFile, CsvWithHeaderTypedFormsQuotesAndABadLine) {
  auto r = read("cnie\r\nbk 123 456\r\n\r\n\"AB12\"\nnot a cnie\n");
  ASSERT_TRUE(r.result) << r.result.error().message;
  EXPECT_EQ(r.reading.kind, "person");
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].line, 2);
  EXPECT_EQ(r.items[0].identifier, "BK123456");
  EXPECT_EQ(r.items[0].state, "pending");
  EXPECT_EQ(r.items[1].line, 4) << "a blank line still counts in the numbering";
  EXPECT_EQ(r.items[1].identifier, "AB12");
  EXPECT_EQ(r.items[2].line, 5);
  EXPECT_EQ(r.items[2].state, "error");
  EXPECT_EQ(r.items[2].error, kInvalidCnie);
  EXPECT_EQ(r.items[2].status, 400);
}

TEST(JobFile, AHeaderIsReadWhateverItsCaseOrQuotes) {
  for (std::string_view header : {"ICE", "Ice", "\"ice\""}) {
    auto r = read(std::string(header) + "\n001561191000066\n", "person");
    ASSERT_TRUE(r.result) << header;
    EXPECT_EQ(r.reading.kind, "employer") << header;
    ASSERT_EQ(r.items.size(), 1u) << header << ": the header is no item";
    EXPECT_EQ(r.items[0].state, "pending") << header;
  }
  auto r = read("\xEF\xBB\xBF\"CNIE\"\nBK123456\n", "employer");
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.reading.kind, "person");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].line, 2);
}

TEST(JobFile, HeaderlessCsvTakesTheKindAsked) {
  auto r = read("001561191000066\n001561191000067\n", "employer");
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.reading.kind, "employer");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].state, "pending");
  EXPECT_EQ(r.items[1].error, kInvalidIce) << "the modulo-97 key is wrong";
}

TEST(JobFile, NdjsonFirstObjectGivesTheKindAndBadLinesAreItemErrors) {
  auto r = read("{\"ice\":\"001561191000066\"}\n{\"cnie\":\"BK1\"}\n{\"ice\":\n[1]\n");
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.reading.kind, "employer");
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].identifier, "001561191000066");
  EXPECT_EQ(r.items[1].error, kOtherKind);
  EXPECT_EQ(r.items[2].error, kMalformedLine);
  EXPECT_EQ(r.items[3].error, kMalformedLine);
  EXPECT_EQ(r.items[3].line, 4);
}

TEST(JobFile, ItemsAreHandedOverAChunkAtATime) {
  auto r = read("BK1\nBK2\nBK3\nBK4\nBK5\n", "person", 100, 2, 4);
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.chunks, (std::vector<std::size_t>{2, 2, 1}));
  EXPECT_EQ(r.items.size(), 5u);
}

TEST(JobFile, TooManyLinesOrNoIdentifierRefusesTheFile) {
  auto many = read("BK1\nBK2\nBK3\n", "person", 2);
  ASSERT_FALSE(many.result);
  EXPECT_EQ(many.result.error().code, Errc::payload_too_large);
  EXPECT_EQ(many.result.error().wire_code(), "too_many_lines");
  auto empty = read("cnie\n\n  \n");
  ASSERT_FALSE(empty.result);
  EXPECT_EQ(empty.result.error().wire_code(), "empty_file");
}

TEST(JobFile, AWholeFileInOnePieceReadsAsInSmallOnes) {
  const std::string body = "cnie\nBK123456\n\nAB12\nnot a cnie\nBK9";  // no final newline
  auto small = read(body, "person", 100, 1000, 1);
  auto whole = read(body, "person", 100, 1000, body.size());
  ASSERT_TRUE(small.result && whole.result);
  ASSERT_EQ(small.items.size(), 4u);
  ASSERT_EQ(whole.items.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(small.items[i].line, whole.items[i].line);
    EXPECT_EQ(small.items[i].identifier, whole.items[i].identifier);
  }
  EXPECT_EQ(whole.items[3].line, 6);
  EXPECT_EQ(whole.items[3].identifier, "BK9");
}

TEST(JobFile, AnOverlongLineIsAMalformedItemAndNotKept) {
  const std::string body = "BK1\n" + std::string(kMaxLineBytes * 3, 'A') + "\nBK2\n";
  auto r = read(body, "person", 100, 1000, 100);
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[1].line, 2);
  EXPECT_EQ(r.items[1].error, kMalformedLine);
  EXPECT_TRUE(r.items[1].identifier.empty());
  EXPECT_EQ(r.items[2].line, 3);
  EXPECT_EQ(r.items[2].identifier, "BK2");
}

}  // namespace
}  // namespace hub::jobs
