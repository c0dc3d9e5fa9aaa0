// JSON that means one thing (hub/text/json.hpp): RFC 8259 and I-JSON (RFC 7493) refusals with
// their stable code, JSON pointer and offset, and clean text in the document.
#include "hub/text/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hub::text {
namespace {

JsonProblem problem_of(std::string_view body, JsonOptions o = {}) {
  rapidjson::Document d;
  const auto p = read_json(body, d, o);
  EXPECT_TRUE(p) << "accepted: " << body;
  return p.value_or(JsonProblem{});
}

rapidjson::Document read(std::string_view body, JsonOptions o = {}) {
  rapidjson::Document d;
  const auto p = read_json(body, d, o);
  EXPECT_FALSE(p) << p->code << ": " << p->message;
  return d;
}

TEST(Json, LoneSurrogateEscapesAreRefused) {
  auto p = problem_of(R"({"nom": "EL", "prenom": "Sa\udc00ra"})");
  EXPECT_EQ(p.code, "json_lone_surrogate");
  EXPECT_EQ(p.pointer, "/prenom");
  EXPECT_NE(p.message.find("/prenom"), std::string::npos) << p.message;
  EXPECT_EQ(problem_of(R"({"prenom": "Sa\ud800ra"})").code, "json_lone_surrogate");
  EXPECT_EQ(problem_of(R"({"prenom": "Sa\ud800\u0041"})").code, "json_lone_surrogate");
  EXPECT_EQ(problem_of(R"(["a", {"k\udfff": 1}])").pointer, "/1/k\xed\xbf\xbf");
  // A pair is one character.
  auto d = read(R"({"x": "\ud83d\ude00"})");
  EXPECT_STREQ(d["x"].GetString(), "\xf0\x9f\x98\x80");
}

TEST(Json, DuplicateNamesAreRefusedWhereTheyAre) {
  auto p = problem_of(R"({"person": {"last_name": "A", "first_name": "B", "last_name": "C"}})");
  EXPECT_EQ(p.code, "json_duplicate_key");
  EXPECT_EQ(p.pointer, "/person/last_name");
  EXPECT_EQ(problem_of(R"({"items": [{"x": 1}, {"x": 1, "x": 2}]})").pointer, "/items/1/x");
  // Names equal once normalised (é precomposed and decomposed) are the same name.
  EXPECT_EQ(problem_of("{\"pr\xc3\xa9nom\": 1, \"pre\\u0301nom\": 2}").code, "json_duplicate_key");
  // A large object is checked without quadratic work, and still caught.
  std::string big = "{";
  for (int i = 0; i < 5000; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big += "\"k42\": 0}";
  EXPECT_EQ(problem_of(big).pointer, "/k42");
  // The same name in two objects is fine.
  read(R"({"a": {"x": 1}, "b": {"x": 2}, "x": [ {"x": 3} ]})");
}

TEST(Json, NumbersBeyondADoubleAreRefused) {
  read(R"([9007199254740991, -9007199254740991, 0.1, 1.5e300, 0.30000000000000004, 1E2, -0])");
  EXPECT_EQ(problem_of("[9007199254740992]").code, "json_number_out_of_range");
  EXPECT_EQ(problem_of("[-9007199254740992]").code, "json_number_out_of_range");
  EXPECT_EQ(problem_of(R"({"capital": 123456789012345678901234})").pointer, "/capital");
  EXPECT_EQ(problem_of("[1e400]").code, "json_number_out_of_range");
  EXPECT_EQ(problem_of("[1e-400]").code, "json_number_out_of_range");
  EXPECT_EQ(problem_of("[3.141592653589793238462643383279]").code, "json_number_out_of_range");
}

TEST(Json, NumbersAreTypedOrKeptAsText) {
  auto d = read(R"({"i": 42, "d": 2.5, "big": 9007199254740991})");
  EXPECT_TRUE(d["i"].IsInt64());
  EXPECT_EQ(d["i"].GetInt64(), 42);
  EXPECT_TRUE(d["d"].IsDouble());
  EXPECT_EQ(d["big"].GetInt64(), 9007199254740991);
  JsonOptions text;
  text.numbers_as_text = true;
  auto t = read(R"({"capital": 100000.50})", text);
  EXPECT_STREQ(t["capital"].GetString(), "100000.50");
}

TEST(Json, StringsAndNamesHoldCleanText) {
  auto d = read("{\"nom\\u00a0\": \"EL\\u00a0OUAZZANI\", \"ar\": \"\\u200f\xd8\xa7\xd9\x84\"}");
  ASSERT_TRUE(d.HasMember("nom "));
  EXPECT_STREQ(d["nom "].GetString(), "EL OUAZZANI");
  EXPECT_STREQ(d["ar"].GetString(), "\xd8\xa7\xd9\x84");
  auto p = problem_of(R"({"a": ["x", "bell\u0007"]})");
  EXPECT_EQ(p.code, "text_control_character");
  EXPECT_EQ(p.pointer, "/a/1");
  EXPECT_EQ(problem_of(R"({"a": "nul\u0000"})").code, "text_control_character");
  EXPECT_EQ(problem_of(R"({"a": "\ufdd0"})").code, "text_noncharacter");
  EXPECT_EQ(problem_of(R"({"a": "\uffff"})").code, "text_noncharacter");
  EXPECT_EQ(problem_of(R"({"a/b~": "\ufffe"})").pointer, "/a~1b~0");
}

TEST(Json, SyntaxAndLimits) {
  auto p = problem_of("{\"a\": \"F\xe8s\"}");
  EXPECT_EQ(p.code, "invalid_utf8");
  EXPECT_EQ(p.offset, 8u);
  EXPECT_EQ(problem_of("").code, "empty_body");
  EXPECT_EQ(problem_of(R"({"a": [1, 2)").code, "json_truncated");
  EXPECT_EQ(problem_of(R"({"a" 1})").code, "json_malformed");
  JsonOptions shallow;
  shallow.max_depth = 3;
  EXPECT_EQ(problem_of("[[[[1]]]]", shallow).code, "too_deep");
  read("[[[1]]]", shallow);
  read("\xef\xbb\xbf{\"bom\": true}");
}

TEST(Json, ALeadingByteOrderMarkIsSkippedAndCounted) {
  // RFC 8259 section 8.1: a parser may ignore a leading BOM; offsets stay those of the body sent.
  EXPECT_EQ(problem_of("\xef\xbb\xbf{\"a\": \"F\xe8s\"}").offset, 11u);
  EXPECT_EQ(problem_of("\xef\xbb\xbf{\"a\" 1}").code, "json_malformed");
  // A BOM inside a string is an invisible mark: dropped by the entry rule.
  const auto d = read("{\"nom\": \"EL\xef\xbb\xbf OUAZZANI\"}");
  EXPECT_STREQ(d["nom"].GetString(), "EL OUAZZANI");
  // Only one, and only at the start.
  EXPECT_EQ(problem_of("\xef\xbb\xbf\xef\xbb\xbf{}").code, "json_malformed");
}

}  // namespace
}  // namespace hub::text
