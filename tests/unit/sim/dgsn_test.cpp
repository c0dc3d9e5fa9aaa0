// DGSN's CNIE service against partners/dgsn.md.
#include "contract_support.hpp"
#include "sim/data/calendar.hpp"

#include <gtest/gtest.h>

namespace sim::testing {
namespace {

constexpr std::size_t kSample = 5000;

// The fault's code as a QName resolved to {namespace URI, local name}.
std::pair<std::string, std::string> fault_code(const Reply& r) {
  pugi::xml_document doc;
  if (!parse_xml(doc, r.body)) return {"", "not XML"};
  const pugi::xml_node env = doc.document_element();
  const pugi::xml_node fault = child(child(env, kSoapNs, "Body"), kSoapNs, "Fault");
  const pugi::xml_node code = fault.child("faultcode");
  const std::string q = code.child_value();
  const std::size_t colon = q.find(':');
  if (colon == std::string::npos || !fault.child("faultstring")) return {"", q};
  return {namespace_of_prefix(code, q.substr(0, colon)), q.substr(colon + 1)};
}

class DgsnContract : public ::testing::TestWithParam<bool> {};

TEST_P(DgsnContract, EveryAnswerFollowsTheContract) {
  const bool strict = GetParam();
  const Options o = strict ? strict_options() : default_options();
  std::size_t year_only = 0, mixed_case = 0, deceased = 0, other_prefix = 0;
  std::size_t sexes[2] = {0, 0};
  for (const std::string& cnie : sample_cnies(kSample, 11)) {
    const Reply r = dgsn(o, cnie);
    ASSERT_EQ(r.status, 200u) << cnie;
    EXPECT_EQ(r.content_type, "text/xml; charset=utf-8");
    EXPECT_EQ(r.kind, "cnie");
    EXPECT_EQ(r.delay.count(), 0);
    std::vector<std::string> problems;
    const Citizen c = read_citizen(r.body, strict, problems);
    ASSERT_TRUE(problems.empty()) << cnie << ": " << join(problems) << "\n" << r.body;
    EXPECT_EQ(c.cnie, cnie);
    year_only += c.birth.starts_with("00/00/");
    mixed_case += c.last != upper(c.last);
    deceased += !c.death.empty();
    ++sexes[c.sex == "M" ? 0 : 1];
    other_prefix += r.body.find("<cnie:Citoyen>") == std::string::npos;

    // Age 18..75 on the reference date, dead or alive.
    const int year = std::stoi(c.birth.substr(6));
    EXPECT_GE(kReferenceDate.year - year, 18) << cnie;
    EXPECT_LE(kReferenceDate.year - year, 76) << cnie;
  }
  EXPECT_GT(sexes[0], kSample / 3);
  EXPECT_GT(sexes[1], kSample / 3);
  EXPECT_GT(deceased, 0u);
  EXPECT_LT(deceased, kSample / 10);
  if (strict) {
    EXPECT_EQ(year_only + mixed_case + other_prefix, 0u);
  } else {
    EXPECT_GT(year_only, 0u);
    EXPECT_GT(mixed_case, 0u);
    EXPECT_GT(other_prefix, kSample / 10);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, DgsnContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "strict" : "varied"; });

TEST(Dgsn, StrictAnswerHasTheExampleShapeAndCardsAreMostlyValid) {
  std::size_t valid = 0;
  for (const std::string& cnie : sample_cnies(1000, 12)) {
    const Reply r = dgsn(strict_options(), cnie);
    EXPECT_TRUE(r.body.starts_with(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:cnie=\"urn:ma:dgsn:cnie:v2\"><soapenv:Body><cnie:ConsulterCitoyenReponse>"
        "<cnie:Citoyen><cnie:NumeroCNIE>" +
        cnie + "</cnie:NumeroCNIE><cnie:Nom><cnie:Latin>"))
        << r.body;
    valid += r.body.find("<cnie:Etat>VALIDE</cnie:Etat>") != std::string::npos;
  }
  EXPECT_GT(valid, 700u);
}

TEST(Dgsn, SameRequestSameBytes) {
  for (const std::string& cnie : sample_cnies(500, 13)) {
    EXPECT_EQ(dgsn(default_options(), cnie).body, dgsn(default_options(), cnie).body);
    EXPECT_EQ(dgsn(strict_options(), cnie).body, dgsn(strict_options(), cnie).body);
  }
}

TEST(Dgsn, TheSeedChangesThePeople) {
  Options other;
  other.seed = 7;
  std::size_t differ = 0;
  for (const std::string& cnie : sample_cnies(100, 14)) {
    differ += dgsn(default_options(), cnie).body != dgsn(other, cnie).body;
  }
  EXPECT_GT(differ, 95u);
}

TEST(Dgsn, VariationAndStrictDescribeTheSamePerson) {
  for (const std::string& cnie : sample_cnies(500, 15)) {
    std::vector<std::string> problems;
    const Citizen a = read_citizen(dgsn(default_options(), cnie).body, false, problems);
    const Citizen b = read_citizen(dgsn(strict_options(), cnie).body, true, problems);
    ASSERT_TRUE(problems.empty()) << join(problems);
    EXPECT_EQ(upper(a.last), b.last);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.sex, b.sex);
    EXPECT_EQ(a.birth.substr(6), b.birth.substr(6));
    if (!a.birth.starts_with("00/00/")) {
      EXPECT_EQ(a.birth, b.birth);
    }
  }
}

TEST(Dgsn, AcceptsAnyPrefixAndADefaultNamespace) {
  for (const auto& [env, pre] : std::vector<std::pair<std::string, std::string>>{
           {"soap", "c"}, {"S", "ns1"}, {"SOAP-ENV", ""}}) {
    const std::string body = soap_request("BK123456", "CONTROLE", env, pre);
    const Reply r = handle_dgsn({"POST", "/ws/cnie/v2", body, "", "text/xml"}, default_options());
    EXPECT_EQ(r.status, 200u) << body << "\n" << r.body;
  }
}

TEST(Dgsn, AcceptsDeclarationsOnInnerElements) {
  const std::string body =
      "<?xml version=\"1.0\"?><e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<e:Header><Demandeur xmlns=\"urn:ma:dgsn:cnie:v2\"><Motif> AFFILIATION </Motif></Demandeur>"
      "</e:Header><e:Body><q:ConsulterCitoyen xmlns:q=\"urn:ma:dgsn:cnie:v2\"><q:NumeroCNIE>"
      "BK123456</q:NumeroCNIE></q:ConsulterCitoyen></e:Body></e:Envelope>";
  EXPECT_EQ(handle_dgsn({"POST", "/ws/cnie/v2", body, "", ""}, default_options()).status, 200u);
  // The right local names in the wrong namespace are not the operation.
  const std::string wrong =
      "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:c=\"urn:other\">"
      "<e:Header><c:Demandeur><c:Motif>CONTROLE</c:Motif></c:Demandeur></e:Header><e:Body>"
      "<c:ConsulterCitoyen><c:NumeroCNIE>BK123456</c:NumeroCNIE></c:ConsulterCitoyen></e:Body>"
      "</e:Envelope>";
  const Reply r = handle_dgsn({"POST", "/ws/cnie/v2", wrong, "", ""}, default_options());
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(fault_code(r), std::make_pair(std::string(kSoapNs), std::string("Client")));
}

TEST(Dgsn, PurposeIsRequiredAndChecked) {
  for (const std::string motif : {"", "CURIOSITE", "immatriculation"}) {
    const std::string body = soap_request("BK123456", motif);
    const Reply r = handle_dgsn({"POST", "/ws/cnie/v2", body, "", "text/xml"}, default_options());
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(r.kind, "forbidden");
    EXPECT_EQ(fault_code(r),
              std::make_pair(std::string(kCnieNs), std::string("MOTIF_NON_AUTORISE")));
  }
  for (const std::string motif : {"IMMATRICULATION", "AFFILIATION", "AYANTS_DROIT", "CONTROLE"}) {
    const std::string body = soap_request("BK123456", motif);
    EXPECT_EQ(handle_dgsn({"POST", "/ws/cnie/v2", body, "", ""}, default_options()).status, 200u);
  }
}

TEST(Dgsn, MalformedNumbersAndRequests) {
  for (const std::string bad :
       {"bk123456", "B1234567", "ABC12345", "BK", "12345", "BK12 345", ""}) {
    const Reply r = dgsn(default_options(), bad);
    EXPECT_EQ(r.status, 500u) << bad;
    EXPECT_EQ(fault_code(r), std::make_pair(std::string(kCnieNs), std::string("NUMERO_INVALIDE")))
        << bad;
  }
  for (const std::string& body :
       {std::string("<not xml"), std::string(""), std::string("<a:Envelope xmlns:a=\"urn:x\"/>"),
        soap_request("BK123456").substr(0, 200),
        std::string("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                    "<soapenv:Body/></soapenv:Envelope>")}) {
    const Reply r = handle_dgsn({"POST", "/ws/cnie/v2", body, "", "text/xml"}, default_options());
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(fault_code(r), std::make_pair(std::string(kSoapNs), std::string("Client"))) << body;
  }
}

TEST(Dgsn, PathsAndMethods) {
  const std::string body = soap_request("BK123456");
  EXPECT_EQ(handle_dgsn({"POST", "/ws/cnie/v1", body, "", ""}, default_options()).status, 404u);
  EXPECT_EQ(handle_dgsn({"POST", "/", body, "", ""}, default_options()).kind, "unknown_path");
  const Reply get = handle_dgsn({"GET", "/ws/cnie/v2", "", "", ""}, default_options());
  EXPECT_EQ(get.status, 405u);
  ASSERT_EQ(get.headers.size(), 1u);
  EXPECT_EQ(get.headers[0].first, "Allow");
}

TEST(Dgsn, ReservedNumbers) {
  const Options o = default_options();
  Reply r = dgsn(o, "BK123000");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.kind, "not_found");
  EXPECT_EQ(fault_code(r), std::make_pair(std::string(kCnieNs), std::string("INTROUVABLE")));

  r = dgsn(o, "A1999");
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(fault_code(r), std::make_pair(std::string(kSoapNs), std::string("Server")));

  r = dgsn(o, "BK123998");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.kind, "malformed");
  pugi::xml_document doc;
  EXPECT_FALSE(parse_xml(doc, r.body));
  EXPECT_FALSE(r.body.empty());

  r = dgsn(o, "BK123997");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.delay, std::chrono::seconds(30));
  std::vector<std::string> problems;
  read_citizen(r.body, false, problems);
  EXPECT_TRUE(problems.empty()) << join(problems);

  r = dgsn(o, "BK123996");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.kind, "rate_limited");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], std::make_pair(std::string("Retry-After"), std::string("1")));
}

}  // namespace
}  // namespace sim::testing
