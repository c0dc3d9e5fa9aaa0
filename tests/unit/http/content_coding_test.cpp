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

// ContentDecoder: the coded bytes given `piece` at a time, read out `out` bytes at a time.
Result<std::string> decode_in_pieces(std::string_view coded, std::string_view coding,
                                     std::size_t piece, std::size_t out = 7) {
  auto decoder = ContentDecoder::for_coding(coding);
  if (!decoder) return decoder.error();
  if (!*decoder) return std::string(coded);
  std::string decoded;
  std::vector<char> buffer(out);
  for (std::size_t at = 0; at < coded.size(); at += piece) {
    (*decoder)->give(coded.substr(at, piece));
    for (;;) {
      auto n = (*decoder)->read(buffer);
      if (!n) return n.error();
      if (*n == 0) break;
      EXPECT_LE(*n, out) << "never more than the buffer";
      decoded.append(buffer.data(), *n);
    }
  }
  if (auto f = (*decoder)->finish(); !f) return f.error();
  return decoded;
}

TEST(ContentDecoder, DecodesPieceByPieceWhateverTheCuts) {
  for (std::size_t piece : {1, 2, 5, 64, 4096}) {
    EXPECT_EQ(*decode_in_pieces(gzip(kBody), "gzip", piece), kBody) << piece;
    EXPECT_EQ(*decode_in_pieces(deflate(kBody), "deflate", piece), kBody) << piece;
    EXPECT_EQ(*decode_in_pieces(deflate(kBody, true), "deflate", piece), kBody) << piece;
    EXPECT_EQ(*decode_in_pieces(gzip("abc") + gzip("def"), "x-gzip", piece), "abcdef") << piece;
  }
  EXPECT_EQ(*decode_in_pieces(kBody, "identity", 3), kBody);
}

TEST(ContentDecoder, BrokenOrUnreadCodingsAreTyped) {
  EXPECT_EQ(ContentDecoder::for_coding("br").error().detail, "unsupported_content_encoding");
  EXPECT_EQ(ContentDecoder::for_coding("gzip, deflate").error().detail,
            "unsupported_content_encoding")
      << "one coding at most, read as it arrives";
  std::string cut = gzip(kBody);
  cut.resize(cut.size() / 2);
  EXPECT_EQ(decode_in_pieces(cut, "gzip", 4).error().detail, "bad_content_encoding");
  EXPECT_EQ(decode_in_pieces(kBody, "gzip", 4).error().detail, "bad_content_encoding");
  EXPECT_EQ(decode_in_pieces(gzip(kBody) + "junk", "gzip", 4).error().detail,
            "bad_content_encoding");
  EXPECT_EQ(decode_in_pieces("", "deflate", 4).error().detail, "bad_content_encoding");
}

TEST(ContentDecoder, ABombComesOutABufferAtATime) {
  const std::string bomb = gzip_zeros(std::size_t{64} << 20);  // 64 MiB of zeros
  auto decoder = ContentDecoder::for_coding("gzip");
  ASSERT_TRUE(decoder && *decoder);
  (*decoder)->give(bomb);
  std::vector<char> buffer(64 * 1024);
  auto n = (*decoder)->read(buffer);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, buffer.size()) << "the caller decides how much it takes, and stops at its limit";
}

}  // namespace
}  // namespace hub::http
