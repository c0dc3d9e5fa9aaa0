// Header fields as RFC 9110 writes them (hub/http/fields.hpp): lists, media types, HTTP dates in
// their three forms, Retry-After, Accept-Encoding's q-values.
#include "hub/http/fields.hpp"

#include <gtest/gtest.h>

namespace hub::http {
namespace {

using namespace std::chrono;

// 1994-11-06 08:49:37 UTC, RFC 9110 section 5.6.7's example.
const system_clock::time_point kExample = sys_days{1994y / 11 / 6} + 8h + 49min + 37s;

TEST(Fields, ListMembers) {
  EXPECT_EQ(list_members("gzip"), std::vector<std::string>{"gzip"});
  EXPECT_EQ(list_members(" GZip ,deflate"), (std::vector<std::string>{"gzip", "deflate"}));
  EXPECT_EQ(list_members(",, gzip ,\t, identity,"), (std::vector<std::string>{"gzip", "identity"}));
  EXPECT_TRUE(list_members("").empty());
}

TEST(Fields, MediaTypeWithParametersInAnyCase) {
  auto m = media_type("Application/JSON; Charset=\"UTF-8\"");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "application/json");
  EXPECT_EQ(m->charset, "utf-8");
  m = media_type("text/xml;charset=windows-1256 ; action=\"urn:a;b\"");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->charset, "windows-1256");
  m = media_type("text/xml;;  q=1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->charset, "");
  EXPECT_FALSE(media_type("json"));
  EXPECT_FALSE(media_type("text/xml; charset"));
  EXPECT_FALSE(media_type("text/xml; charset=\"unterminated"));
}

TEST(Fields, AnEtagOfOursNamesItsVersion) {
  EXPECT_EQ(etag_version("\"12\""), 12);
  EXPECT_EQ(etag_version("\"0\""), 0);
  for (std::string_view other : {"*", "W/\"1\"", "12", "\"\"", "\"1a\"", "\"123456789012345678\""})
    EXPECT_FALSE(etag_version(other)) << other;
}

TEST(Fields, TheThreeDateForms) {
  const auto now = kExample;
  EXPECT_EQ(http_date("Sun, 06 Nov 1994 08:49:37 GMT", now), kExample);
  EXPECT_EQ(http_date("Sunday, 06-Nov-94 08:49:37 GMT", now), kExample);
  EXPECT_EQ(http_date("Sun Nov  6 08:49:37 1994", now), kExample);
  EXPECT_FALSE(http_date("06 Nov 1994", now));
  EXPECT_FALSE(http_date("Sun, 31 Feb 1994 08:49:37 GMT", now));
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing", now));
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 25:49:37 GMT", now));
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 08:49:37", now));  // no zone
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 08:49:37 CET", now));
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 08:49 GMT", now));
  EXPECT_FALSE(http_date("Sun, 06 Nov 1994 GMT", now));
  EXPECT_FALSE(http_date("Sun Nov  6 08:49:37", now));
  EXPECT_FALSE(http_date("Sunday, 06-Nov-94 08:49:37", now));
}

TEST(Fields, TwoDigitYearsAreTheLatestPastCenturyBeyondFiftyYears) {
  const system_clock::time_point now = sys_days{2026y / 11 / 30};
  EXPECT_EQ(http_date("Monday, 30-Nov-26 10:00:00 GMT", now), sys_days{2026y / 11 / 30} + 10h);
  // 2076 is within 50 years: read as 2076; 2077 is not: read as 1977.
  EXPECT_EQ(http_date("Monday, 30-Nov-76 10:00:00 GMT", now), sys_days{2076y / 11 / 30} + 10h);
  EXPECT_EQ(http_date("Wednesday, 30-Nov-77 10:00:00 GMT", now), sys_days{1977y / 11 / 30} + 10h);
}

TEST(Fields, DatesWrittenAreRead) {
  const system_clock::time_point t = sys_days{2026y / 12 / 1} + 9h + 5min + 7s;
  for (auto form : {DateForm::imf_fixdate, DateForm::rfc850, DateForm::asctime})
    EXPECT_EQ(http_date(http_date_text(t, form), t), t) << http_date_text(t, form);
  EXPECT_EQ(http_date_text(t), "Tue, 01 Dec 2026 09:05:07 GMT");
}

TEST(Fields, RetryAfterSecondsOrDate) {
  const auto now = kExample;
  EXPECT_EQ(retry_after("120", now), 120s);
  EXPECT_EQ(retry_after(" 0 ", now), 0s);
  EXPECT_EQ(retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now), 120s);
  EXPECT_EQ(retry_after("Sunday, 06-Nov-94 08:51:37 GMT", now), 120s);
  EXPECT_EQ(retry_after("Sun Nov  6 08:51:37 1994", now), 120s);
  EXPECT_EQ(retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // past: now
  EXPECT_EQ(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 500ms), 0s);
  EXPECT_EQ(retry_after("Sun, 06 Nov 1994 08:49:38 GMT", now + 500ms), 1s);  // rounded up
  EXPECT_FALSE(retry_after("-5", now));
  EXPECT_FALSE(retry_after("1.5", now));
  EXPECT_FALSE(retry_after("soon", now));
  EXPECT_FALSE(retry_after("", now));
  EXPECT_GT(*retry_after("99999999999999999999999", now), 1000000h);
}

TEST(Fields, AcceptEncodingQValues) {
  EXPECT_TRUE(accepts_coding("gzip, deflate, identity", "gzip"));
  EXPECT_TRUE(accepts_coding("GZIP;q=0.5", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;q=0", "gzip"));
  EXPECT_FALSE(accepts_coding("deflate", "gzip"));
  EXPECT_TRUE(accepts_coding("*", "deflate"));
  EXPECT_FALSE(accepts_coding("*, deflate;q=0", "deflate"));
  EXPECT_FALSE(accepts_coding("", "gzip"));
}

}  // namespace
}  // namespace hub::http
