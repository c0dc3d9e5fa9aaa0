// ANRC's adapter: the request as anrc.md says, and the statuses it classifies when ANRC's mapping
// found no error body.
#include <gtest/gtest.h>

#include "hub/exchange/adapter.hpp"

namespace {

using hub::exchange::AdapterCatalog;
using hub::exchange::Query;

std::unique_ptr<hub::exchange::Adapter> anrc() {
  hub::config::PartnerEndpoint e;
  e.name = "anrc";
  e.adapter = "anrc";
  auto a = AdapterCatalog::instance().make(e);
  EXPECT_TRUE(a) << (a ? "" : a.error().message);
  return a ? std::move(*a) : nullptr;
}

Query household(std::string cnie, std::string purpose) {
  return Query{"household",
               {{"cnie", std::move(cnie)}},
               std::move(purpose),
               "5b0c7e52-1f0e-4a3b-9a8e-3c2d1b0a9f87"};
}

TEST(AnrcAdapter, AsksForTheHouseholdWithTheFinaliteOfThePurpose) {
  const auto a = anrc();
  ASSERT_NE(a, nullptr);
  auto req = a->build(household("BK123456", "IMMATRICULATION"));
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->method(), boost::beast::http::verb::get);
  EXPECT_EQ(req->target(), "/rsu/api/v1/menages?cnie=BK123456");
  EXPECT_EQ((*req)["X-Finalite"], "AMO_TADAMON");
  EXPECT_EQ((*req)["X-Correlation-ID"], "5b0c7e52-1f0e-4a3b-9a8e-3c2d1b0a9f87");
  EXPECT_EQ((*req)[boost::beast::http::field::accept], "application/json");
  EXPECT_TRUE(req->body().empty());
  auto control = a->build(household("BK123456", "CONTROLE"));
  ASSERT_TRUE(control);
  EXPECT_EQ((*control)["X-Finalite"], "CONTROLE");
  EXPECT_EQ(a->identifier(household("BK123456", "CONTROLE")), "BK123456");
}

TEST(AnrcAdapter, EncodesTheQueryValue) {
  auto req = anrc()->build(household("BK1&x=1 2", "CONTROLE"));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->target(), "/rsu/api/v1/menages?cnie=BK1%26x%3D1%202");
}

TEST(AnrcAdapter, RefusesAPurposeWithoutFinaliteAndAnUnknownOperation) {
  const auto a = anrc();
  for (const char* purpose : {"AFFILIATION", "AYANTS_DROIT", ""}) {
    auto req = a->build(household("BK123456", purpose));
    ASSERT_FALSE(req) << purpose;
    EXPECT_EQ(req.error().code, hub::Errc::forbidden_purpose) << purpose;
  }
  Query q = household("BK123456", "CONTROLE");
  q.operation = "identity";
  auto req = a->build(q);
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().code, hub::Errc::internal);
}

TEST(AnrcAdapter, ClassifiesStatusesWhoseBodySaysNothing) {
  const auto a = anrc();
  // A bare 404 is a path ANRC does not serve, never "in no household".
  const auto bare = a->classify_status(404, "no such resource\n");
  EXPECT_EQ(bare.code, hub::Errc::partner_unavailable);
  EXPECT_EQ(bare.detail, "unexpected_status");
  EXPECT_EQ(a->classify_status(400, "").code, hub::Errc::invalid_input);
  EXPECT_EQ(a->classify_status(403, "").code, hub::Errc::forbidden_purpose);
  EXPECT_EQ(a->classify_status(429, "").code, hub::Errc::rate_limited);
  EXPECT_EQ(a->classify_status(500, "").code, hub::Errc::partner_unavailable);
  EXPECT_EQ(a->classify_status(503, "").code, hub::Errc::partner_unavailable);
  EXPECT_EQ(a->classify_status(302, "").code, hub::Errc::malformed_response);
}

}  // namespace
