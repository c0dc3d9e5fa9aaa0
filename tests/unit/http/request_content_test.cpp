// A client's coded request content (hub/http/request_content.hpp): decoded before any route reads
// it, with the body limit counted on the decoded bytes, or refused with its own code.
#include "hub/http/request_content.hpp"

#include <gtest/gtest.h>

#include "hub/http/content_coding.hpp"

namespace hub::http {
namespace {

const std::string kBody = R"({"identifiers": ["001561191000066"]})";

Request coded(std::string body, const std::vector<std::string>& codings) {
  Request req{bhttp::verb::post, "/partner/v1/affiliation-attestations", 11};
  for (const auto& c : codings) req.insert(bhttp::field::content_encoding, c);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

std::string code_of(const Response& res) {
  const auto at = res.body().find("\"code\":\"");
  if (at == std::string::npos) return "";
  const auto start = at + 8;
  return res.body().substr(start, res.body().find('"', start) - start);
}

TEST(RequestContent, GzipAndDeflateBodiesReachTheRouteDecoded) {
  RequestContext ctx;
  for (auto [body, coding] :
       {std::pair{gzip(kBody), "gzip"}, std::pair{deflate(kBody), "deflate"},
        std::pair{deflate(kBody, true), "Deflate"}, std::pair{gzip(kBody), "x-gzip"}}) {
    auto req = coded(body, {coding});
    EXPECT_FALSE(decode_request_content(req, 1000, ctx)) << coding;
    EXPECT_EQ(req.body(), kBody) << coding;
    EXPECT_EQ(req.count(bhttp::field::content_encoding), 0u) << coding;
    EXPECT_EQ(req[bhttp::field::content_length], std::to_string(kBody.size())) << coding;
  }
  auto plain = coded(kBody, {});
  EXPECT_FALSE(decode_request_content(plain, 1000, ctx));
  EXPECT_EQ(plain.body(), kBody);
}

TEST(RequestContent, SeveralLinesAreOneListUndoneFromTheLast) {
  RequestContext ctx;
  auto req = coded(gzip(deflate(kBody)), {"deflate", "gzip"});
  EXPECT_FALSE(decode_request_content(req, 1000, ctx));
  EXPECT_EQ(req.body(), kBody);
}

TEST(RequestContent, AnUnknownCodingGets415WithWhatTheHubReads) {
  RequestContext ctx;
  auto req = coded(kBody, {"br"});
  auto res = decode_request_content(req, 1000, ctx);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 415);
  EXPECT_EQ(code_of(*res), "unsupported_content_encoding") << res->body();
  EXPECT_EQ(std::string((*res)[bhttp::field::accept_encoding]), kAcceptEncoding);
}

TEST(RequestContent, BytesThatAreNotTheirCodingGet400) {
  RequestContext ctx;
  auto req = coded(kBody, {"gzip"});
  auto res = decode_request_content(req, 1000, ctx);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_EQ(code_of(*res), "bad_content_encoding") << res->body();
  auto truncated = coded(gzip(kBody).substr(0, 20), {"gzip"});
  res = decode_request_content(truncated, 1000, ctx);
  ASSERT_TRUE(res);
  EXPECT_EQ(code_of(*res), "bad_content_encoding") << res->body();
}

// The parser undoes chunked framing only: another transfer coding (RFC 9112 section 6.1) gets
// 501 and closes the connection, rather than its bytes reaching the route as the body.
TEST(RequestContent, ATransferCodingOtherThanChunkedGets501AndCloses) {
  RequestContext ctx;
  for (const char* te : {"gzip, chunked", "Chunked, GZIP", "deflate"}) {
    auto req = coded(gzip(kBody), {});
    req.set(bhttp::field::transfer_encoding, te);
    auto res = decode_request_content(req, 1000, ctx);
    ASSERT_TRUE(res) << te;
    EXPECT_EQ(res->result_int(), 501) << te;
    EXPECT_EQ(code_of(*res), "unsupported_transfer_encoding") << res->body();
    EXPECT_FALSE(req.keep_alive()) << te;
  }
  auto chunked = coded(kBody, {});
  chunked.set(bhttp::field::transfer_encoding, "chunked");
  EXPECT_FALSE(decode_request_content(chunked, 1000, ctx));
  EXPECT_EQ(chunked.body(), kBody);
}

// A decompression bomb: 64 MiB of zeros in a few kB of gzip stops at the limit.
TEST(RequestContent, TheLimitCountsDecodedBytes) {
  RequestContext ctx;
  auto req = coded(gzip_zeros(64u << 20), {"gzip"});
  ASSERT_LT(req.body().size(), 1u << 20);
  auto res = decode_request_content(req, 1u << 20, ctx);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_EQ(code_of(*res), "body_too_large") << res->body();
}

}  // namespace
}  // namespace hub::http
