// Malformed payloads give typed errors, never a crash.
#include "hub/mapping/payload.hpp"
#include "hub/mapping/xml_records.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hub::mapping {
namespace {

std::string xml_detail(std::string_view s) {
  pugi::xml_document d;
  auto r = parse_xml(s, d);
  return r ? std::string("ok") : r.error().detail;
}

std::string json_detail(std::string_view s) {
  rapidjson::Document d;
  auto r = parse_json(s, d);
  if (!r) {
    EXPECT_EQ(r.error().code, Errc::malformed_response);
  }
  return r ? std::string("ok") : r.error().detail;
}

TEST(Utf8, AcceptsArabicAndAccentsRejectsBadSequences) {
  EXPECT_TRUE(valid_utf8("Fès العمراني 😀 plain ascii long enough for the fast path"));
  EXPECT_FALSE(valid_utf8("F\xe8s"));            // Latin-1, not UTF-8
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("abc\xd8"));           // cut in the middle of a character
  EXPECT_FALSE(valid_utf8("12345678\x80"));      // continuation byte alone
}

TEST(XmlPayload, TypedErrors) {
  EXPECT_EQ(xml_detail("<a xmlns='u'><b>text</b></a>"), "ok");
  EXPECT_EQ(xml_detail("<a><b>te"), "xml_truncated");
  EXPECT_EQ(xml_detail("<a><b>text</b></a"), "xml_truncated");
  EXPECT_EQ(xml_detail("<a><b></c><d/></a>"), "xml_malformed");
  EXPECT_EQ(xml_detail(""), "empty_body");
  EXPECT_EQ(xml_detail("not xml at all"), "xml_malformed");
  EXPECT_EQ(xml_detail("<a>\xff</a>"), "invalid_utf8");
  EXPECT_EQ(xml_detail("<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>"),
            "doctype_forbidden");
}

TEST(XmlPayload, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "<a>";
  for (int i = 0; i < 200000; ++i) deep += "</a>";
  EXPECT_EQ(xml_detail(deep), "too_deep");
  std::string ok;
  for (int i = 0; i < 60; ++i) ok += "<a>";
  for (int i = 0; i < 60; ++i) ok += "</a>";
  EXPECT_EQ(xml_detail(ok), "ok");
}

TEST(JsonPayload, TypedErrors) {
  EXPECT_EQ(json_detail(R"({"a": [1, "x", null, true]})"), "ok");
  EXPECT_EQ(json_detail(R"({"a": [1, "x)"), "json_truncated");
  EXPECT_EQ(json_detail(R"({"a": 1,})"), "json_malformed");
  EXPECT_EQ(json_detail(""), "empty_body");
  EXPECT_EQ(json_detail("{\"a\": \"F\xe8s\"}"), "invalid_utf8");
}

TEST(JsonPayload, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep(500000, '[');
  EXPECT_EQ(json_detail(deep), "too_deep");
  EXPECT_EQ(json_detail(std::string(60, '[') + std::string(60, ']')), "ok");
}

TEST(JsonPayload, NumbersKeepTheirText) {
  // Decimals keep their exact digits: capital 100000.00 must not become 100000.
  rapidjson::Document d;
  ASSERT_TRUE(parse_json(R"({"n": 100000.00})", d));
  EXPECT_STREQ(d["n"].GetString(), "100000.00");
}

TEST(Payload, AByteOrderMarkIsIgnored) {
  EXPECT_EQ(xml_detail("\xEF\xBB\xBF<a/>"), "ok");
  EXPECT_EQ(json_detail("\xEF\xBB\xBF{}"), "ok");
  // A refusal's offset is the body's as sent, the mark counted, in both formats.
  pugi::xml_document x;
  const auto xml = parse_xml("\xEF\xBB\xBF<a>F\xE8s</a>", x, Limits{});
  ASSERT_FALSE(xml);
  EXPECT_NE(xml.error().message.find("at byte 7)"), std::string::npos) << xml.error().message;
  const auto broken = parse_xml("\xEF\xBB\xBF<a></b><c/>", x, Limits{});
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("at byte 8"), std::string::npos) << broken.error().message;
  rapidjson::Document d;
  const auto json = parse_json("\xEF\xBB\xBF{\"a\": \"F\xE8s\"}", d, Limits{});
  ASSERT_FALSE(json);
  EXPECT_NE(json.error().message.find("at byte 11"), std::string::npos) << json.error().message;
}

TEST(Payload, SizeLimit) {
  Limits small;
  small.max_bytes = 8;
  pugi::xml_document x;
  EXPECT_EQ(parse_xml("<a>123456789</a>", x, small).error().detail, "too_large");
}

// The evaluator reads pugixml's node records inline only when their layout matches the linked
// library; with Debian's pugixml it does, so a mismatch here means every XML mapping has fallen
// back to the (slower) public accessors.
TEST(XmlRecords, LayoutMatchesTheLinkedPugixml) {
  EXPECT_TRUE(xml::check_records());
  EXPECT_TRUE(xml::read_records);
}

}  // namespace
}  // namespace hub::mapping
