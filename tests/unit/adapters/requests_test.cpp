// DGSN's, DGCT's, DGI's and OMPIC's adapters: each operation's request as the partner's contract
// (shared/partners/<partner>.md) writes it, the identifier the journal and cache key take, and an
// operation the adapter does not know refused as the hub's own fault (ANRC: anrc_adapter_test).
#include <gtest/gtest.h>

#include "hub/exchange/adapter.hpp"

namespace {
using hub::exchange::AdapterCatalog;
using hub::exchange::Query;
namespace bhttp = boost::beast::http;

const std::string kCorrelation = "5b0c7e52-1f0e-4a3b-9a8e-3c2d1b0a9f87";

std::unique_ptr<hub::exchange::Adapter> adapter(const std::string& name,
                                                std::map<std::string, std::string> options = {}) {
  hub::config::PartnerEndpoint e;
  e.name = name;
  e.adapter = name;
  e.options = std::move(options);
  auto a = AdapterCatalog::instance().make(e);
  EXPECT_TRUE(a) << (a ? "" : a.error().message);
  return a ? std::move(*a) : nullptr;
}

Query query(std::string operation, std::map<std::string, std::string> params,
            std::string purpose = "AFFILIATION") {
  return Query{std::move(operation), std::move(params), std::move(purpose), kCorrelation};
}

void expect_unknown_operation_refused(const std::string& name) {
  auto req = adapter(name)->build(query("nothing_like_it", {{"cnie", "BK123456"}}));
  ASSERT_FALSE(req) << name;
  EXPECT_EQ(req.error().code, hub::Errc::internal) << name;
}

TEST(DgsnAdapter, PostsTheSoapEnvelopeWithTheDemandeur) {
  const auto a = adapter("dgsn", {{"organisme", "CNSS <Casa>"}});
  auto req = a->build(query("identity", {{"cnie", "BK123456"}}, "IMMATRICULATION"));
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->method(), bhttp::verb::post);
  EXPECT_EQ(req->target(), "/ws/cnie/v2");
  EXPECT_EQ((*req)["SOAPAction"], "\"urn:ma:dgsn:cnie:v2#ConsulterCitoyen\"");
  EXPECT_EQ((*req)[bhttp::field::content_type], "text/xml; charset=utf-8");
  EXPECT_EQ((*req)["X-Correlation-ID"], kCorrelation);
  const std::string& body = req->body();
  EXPECT_NE(body.find("<cnie:NumeroCNIE>BK123456</cnie:NumeroCNIE>"), std::string::npos) << body;
  EXPECT_NE(body.find("<cnie:Organisme>CNSS &lt;Casa&gt;</cnie:Organisme>"), std::string::npos);
  EXPECT_NE(body.find("<cnie:Motif>IMMATRICULATION</cnie:Motif>"), std::string::npos);
  EXPECT_NE(body.find("<cnie:Reference>" + kCorrelation + "</cnie:Reference>"), std::string::npos);
  EXPECT_EQ(a->identifier(query("identity", {{"cnie", "BK123456"}})), "BK123456");
  expect_unknown_operation_refused("dgsn");
}

TEST(DgsnAdapter, TakesItsPathFromItsOptions) {
  auto req = adapter("dgsn", {{"path", "/other/cnie"}})->build(query("identity", {{"cnie", "X1"}}));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->target(), "/other/cnie");
}

TEST(DgctAdapter, GetsTheFamilyWithTheMotif) {
  const auto a = adapter("dgct");
  auto req = a->build(query("family", {{"cnie", "BK 12/3"}}, "AYANTS_DROIT"));
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->method(), bhttp::verb::get);
  EXPECT_EQ(req->target(), "/api/etat-civil/v1/personnes/BK%2012%2F3/famille");
  EXPECT_EQ((*req)["X-Motif"], "AYANTS_DROIT");
  EXPECT_EQ((*req)[bhttp::field::accept], "application/json");
  EXPECT_EQ((*req)["X-Correlation-ID"], kCorrelation);
  EXPECT_TRUE(req->body().empty());
  expect_unknown_operation_refused("dgct");
}

TEST(DgiAdapter, GetsATaxpayerByEachIdentifier) {
  const auto a = adapter("dgi");
  const std::pair<Query, std::string> cases[] = {
      {query("taxpayer_by_if", {{"if", "40123456"}}), "/dgi/api/v2/contribuables/40123456"},
      {query("taxpayer_by_ice", {{"ice", "001561191000066"}}),
       "/dgi/api/v2/contribuables?ice=001561191000066"},
      {query("taxpayer_by_cnie", {{"cnie", "BK1&x=2"}}),
       "/dgi/api/v2/contribuables?cnie=BK1%26x%3D2"},
  };
  for (const auto& [q, target] : cases) {
    auto req = a->build(q);
    ASSERT_TRUE(req) << q.operation;
    EXPECT_EQ(req->method(), bhttp::verb::get);
    EXPECT_EQ(req->target(), target);
    EXPECT_EQ((*req)[bhttp::field::accept], "application/json");
    EXPECT_EQ((*req)["X-Correlation-ID"], kCorrelation);
  }
  expect_unknown_operation_refused("dgi");
}

TEST(OmpicAdapter, GetsACompanyByIceOrByTribunalAndNumber) {
  const auto a = adapter("ompic");
  auto by_ice = a->build(query("company_by_ice", {{"ice", "001561191000066"}}));
  ASSERT_TRUE(by_ice);
  EXPECT_EQ(by_ice->target(), "/rc/api/v1/entreprises?ice=001561191000066");
  EXPECT_EQ((*by_ice)[bhttp::field::accept], "application/xml");
  auto by_rc = a->build(query("company_by_rc", {{"tribunal", "CASA BLANCA"}, {"rc", "12/34"}}));
  ASSERT_TRUE(by_rc);
  EXPECT_EQ(by_rc->method(), bhttp::verb::get);
  EXPECT_EQ(by_rc->target(), "/rc/api/v1/entreprises/CASA%20BLANCA/12%2F34");
  // The identifier of a two-part key: both parts, in the key's order.
  EXPECT_EQ(a->identifier(query("company_by_rc", {{"tribunal", "CASA"}, {"rc", "1234"}})),
            "1234/CASA");
  expect_unknown_operation_refused("ompic");
}

}  // namespace
