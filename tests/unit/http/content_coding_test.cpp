// Content codings (hub/http/content_coding.hpp): gzip, deflate in both of the forms servers
// send, lists of codings, and the size limit counted on the decoded bytes.
#include "hub/http/content_coding.hpp"

#include <gtest/gtest.h>

namespace hub::http {
namespace {

const std::string kBody = R"({"nom": "EL OUAZZANI", "prenom": "Fatima Zahra"})";

TEST(ContentCoding, DecodesEachCodingInAnyCase) {
  EXPECT_EQ(*decode_content(gzip(kBody), "gzip", 1000), kBody);
  EXPECT_EQ(*decode_content(gzip(kBody), "X-GZIP", 1000), kBody);
  EXPECT_EQ(*decode_content(deflate(kBody), "Deflate", 1000), kBody);
  EXPECT_EQ(*decode_content(deflate(kBody, true), "deflate", 1000), kBody);  // raw, as some send
  EXPECT_EQ(*decode_content(kBody, "identity", 1000), kBody);
  EXPECT_EQ(*decode_content(kBody, "", 1000), kBody);
}

TEST(ContentCoding, ListsAreUndoneFromTheLast) {
  EXPECT_EQ(*decode_content(gzip(deflate(kBody)), "deflate, gzip", 1000), kBody);
  EXPECT_EQ(*decode_content(gzip(kBody), "identity,gzip", 1000), kBody);
  // gzip members one after the other are one body (RFC 1952 section 2.2).
  EXPECT_EQ(*decode_content(gzip("abc") + gzip("def"), "gzip", 1000), "abcdef");
}

TEST(ContentCoding, UnknownAndBrokenCodingsAreTyped) {
  auto r = decode_content(kBody, "br", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "unsupported_content_encoding");
  EXPECT_EQ(r.error().code, Errc::malformed_response);
  EXPECT_EQ(decode_content(gzip(kBody), "gzip, compress", 1000).error().detail,
            "unsupported_content_encoding");
  std::string cut = gzip(kBody);
  cut.resize(cut.size() / 2);
  EXPECT_EQ(decode_content(cut, "gzip", 1000).error().detail, "bad_content_encoding");
  EXPECT_EQ(decode_content(kBody, "gzip", 1000).error().detail, "bad_content_encoding");
  EXPECT_EQ(decode_content(gzip(kBody) + "junk", "gzip", 1000).error().detail,
            "bad_content_encoding");
}

TEST(ContentCoding, TheLimitIsOnTheDecodedBytes) {
  EXPECT_EQ(decode_content(gzip(kBody), "gzip", kBody.size()).value(), kBody);
  EXPECT_EQ(decode_content(gzip(kBody), "gzip", kBody.size() - 1).error().detail,
            "response_too_large");
  // A bomb: 64 KiB on the wire, 64 MiB once decoded. Refused when the limit is reached.
  const std::string bomb = gzip_zeros(64u << 20);
  EXPECT_LT(bomb.size(), 128u * 1024);
  auto r = decode_content(bomb, "gzip", 2u << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "response_too_large");
  EXPECT_EQ(decode_content(gzip_zeros(1000), "gzip", 1000).value(), std::string(1000, '\0'));
}

}  // namespace
}  // namespace hub::http
