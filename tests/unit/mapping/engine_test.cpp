// Snapshot evaluation (provenance, problems, reverse views) and the registry's validate-then-swap.
#include "hub/mapping/engine.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <unistd.h>

#include <fstream>

namespace hub::mapping {
namespace {

namespace fs = std::filesystem;
const fs::path kSet = fs::path(CNSS_SOURCE_DIR) / "mappings";

std::shared_ptr<const Snapshot> shipped() {
  static auto report = load_mapping_set(kSet);
  EXPECT_TRUE(report.ok()) << (report.diagnostics.empty() ? "" : report.diagnostics.front().str());
  return report.snapshot;
}

// A private copy of the shipped set, to edit.
fs::path copy_of_set(const std::string& name) {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("mapping-set-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(kSet, dir, fs::copy_options::recursive);
  return dir;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

const char* kDgsn = R"(<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>
<ConsulterCitoyenReponse xmlns="urn:ma:dgsn:cnie:v2"><Citoyen>
<NumeroCNIE>BK123456</NumeroCNIE><Nom><Latin>el amrani</Latin></Nom><Prenom><Latin>fatima zahra</Latin></Prenom>
<DateNaissance>00/00/1985</DateNaissance><Sexe>F</Sexe>
<Carte><DateDelivrance>02/07/2019</DateDelivrance><DateExpiration>31/06/2029</DateExpiration><Etat>VALIDE</Etat></Carte>
</Citoyen></ConsulterCitoyenReponse></e:Body></e:Envelope>)";

TEST(Snapshot, MapsWithProvenanceAndFieldProblems) {
  auto s = shipped();
  ASSERT_TRUE(s);
  auto r = s->map("dgsn.identity", kDgsn,
                  Context{"0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10", "2026-11-27T10:00:00Z"});
  ASSERT_TRUE(r) << r.error().message;
  rapidjson::Document d;
  d.Parse(r->json.c_str());
  ASSERT_FALSE(d.HasParseError()) << r->json;
  EXPECT_STREQ(d["last_name"].GetString(), "EL AMRANI");
  EXPECT_STREQ(d["first_name"].GetString(), "Fatima Zahra");
  EXPECT_STREQ(d["birth_date"].GetString(), "1985");  // known only by year
  EXPECT_TRUE(d["card"]["expires_on"].IsNull());      // 31 June does not exist: nulled, and said so
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].field, "/card/expires_on");
  EXPECT_EQ(r->problems[0].code, "invalid_date");

  EXPECT_EQ(r->mapping_id(), "dgsn.identity");
  EXPECT_EQ(r->version(), 1);
  EXPECT_EQ(r->entity(), "person");
  bool found = false;
  for (const auto& src : r->sources())
    if (r->pointer(src) == "/birth_date") found = src.path == "c:DateNaissance";
  EXPECT_TRUE(found);
  rapidjson::Document p;
  p.Parse(r->provenance_json().c_str());
  ASSERT_FALSE(p.HasParseError());
  EXPECT_STREQ(p["mapping"].GetString(), "dgsn.identity");
  EXPECT_STREQ(p["correlation_id"].GetString(), "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10");
  EXPECT_STREQ(p["fields"]["/cnie"].GetString(), "c:NumeroCNIE");
}

TEST(Snapshot, TheRecordKeepsItsSnapshotAlive) {
  Result<MappedRecord> r = make_error(Errc::internal, "unset");
  {
    auto report = load_mapping_set(kSet);
    ASSERT_TRUE(report.ok());
    r = report.snapshot->map("dgsn.identity", kDgsn, {});
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mapping_id(), "dgsn.identity");
  EXPECT_NE(r->provenance_json().find("c:NumeroCNIE"), std::string::npos);
}

TEST(Snapshot, PartnerErrorsComeThroughTheMapping) {
  auto s = shipped();
  auto r =
      s->map("dgi.taxpayer", R"({"erreur": {"code": "QUOTA_DEPASSE", "message": "trop"}})", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::rate_limited);
  r = s->map("ompic.company",
             "<Erreur xmlns='http://www.ompic.ma/rc/v1'><Code>ENTREPRISE_INCONNUE</Code></Erreur>",
             {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST(Snapshot, UnknownMappingIsAnError) {
  auto r = shipped()->map("dgsn.nope", "<a/>", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "unknown_mapping");
  // A reverse mapping is not a forward one.
  EXPECT_FALSE(shipped()->map("dgi.affiliation_attestation", "{}", {}));
}

TEST(Snapshot, ReverseToJsonNeverCarriesPersonalData) {
  auto v = shipped()->reverse("dgi.affiliation_attestation", R"({
    "affiliation_number": "1234567", "ice": "001561191000066", "status": "active",
    "affiliated_on": "2015-06-01", "declared_employees_last_month": 3,
    "employees": [{"cnie": "BK123456", "last_name": "EL AMRANI", "salary": 8000}]})");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->content_type, "application/json");
  EXPECT_EQ(v->body.find("BK123456"), std::string::npos);
  EXPECT_NE(v->body.find("\"effectifDeclareMoisPrecedent\":3"), std::string::npos) << v->body;
}

TEST(Snapshot, ReverseToNamespacedXml) {
  fs::path dir = copy_of_set("xml-view");
  write(dir / "test/attestation_xml.yaml", R"(mapping: test.attestation_xml
version: 2
direction: reverse
source: {canonical: affiliation}
output:
  format: xml
  namespaces: {att: "urn:ma:cnss:attestation:v1"}
  root: att:Attestation
fields:
  "@numero": {path: affiliation_number, required: true}
  att:Statut: {path: status, transform: [upper]}
  att:Entreprise:
    fields:
      att:ICE: ice
      att:Nom: company_name
  att:DateAffiliation: {path: affiliated_on, transform: [{format_date: dd/MM/yyyy}]}
)");
  write(
      dir / "test/cases/attestation_xml.basic.json",
      R"({"affiliation_number": "1234567", "ice": "001561191000066", "company_name": "A & B <SARL>",
            "status": "active", "affiliated_on": "2015-06-01"})");
  write(dir / "test/cases/attestation_xml.basic.expected.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?>
<att:Attestation xmlns:att="urn:ma:cnss:attestation:v1" numero="1234567">
  <att:Statut>ACTIVE</att:Statut>
  <att:Entreprise>
    <att:ICE>001561191000066</att:ICE>
    <att:Nom>A &amp; B &lt;SARL&gt;</att:Nom>
  </att:Entreprise>
  <att:DateAffiliation>01/06/2015</att:DateAffiliation>
</att:Attestation>
)");
  auto report = load_mapping_set(dir);
  ASSERT_TRUE(report.ok()) << report.diagnostics.front().str();
  auto v = report.snapshot->reverse("test.attestation_xml",
                                    R"({"affiliation_number": "7", "status": "suspended"})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->content_type, "application/xml");
  EXPECT_NE(v->body.find("<att:Statut>SUSPENDED</att:Statut>"), std::string::npos) << v->body;
}

TEST(Catalog, SwapsOnlyWhenEverythingPasses) {
  fs::path dir = copy_of_set("registry");
  Catalog catalog(dir);
  EXPECT_EQ(catalog.current(), nullptr);
  LoadReport first = catalog.reload();
  ASSERT_TRUE(first.ok());
  auto served = catalog.current();
  ASSERT_EQ(served, first.snapshot);

  // A mapping edit that compiles but breaks a golden case is not served.
  fs::path file = dir / "dgsn/identity.yaml";
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string broken = text;
  broken.replace(broken.find("transform: [collapse_spaces, upper]"), 35,
                 "transform: [collapse_spaces, lower]");
  write(file, broken);
  LoadReport bad = catalog.reload();
  EXPECT_FALSE(bad.ok());
  ASSERT_FALSE(bad.diagnostics.empty());
  EXPECT_EQ(bad.diagnostics.front().code, "case_failed");
  EXPECT_EQ(catalog.current(), served) << "the old snapshot keeps serving";

  // A mapping that does not compile is not served either.
  write(file, text + "  nonexistent_field: c:X\n");
  bad = catalog.reload();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.diagnostics.front().code, "unknown_field");
  EXPECT_EQ(catalog.current(), served);

  // Fixed: the new snapshot is swapped in.
  write(file, text);
  LoadReport good = catalog.reload();
  ASSERT_TRUE(good.ok());
  EXPECT_NE(catalog.current(), served);
  EXPECT_EQ(catalog.current(), good.snapshot);
}

TEST(Catalog, AMappingWithoutCasesOrWithADuplicateIdIsRefused) {
  fs::path dir = copy_of_set("no-cases");
  write(dir / "test/lonely.yaml",
        "mapping: test.lonely\nversion: 1\ntarget: person\n"
        "source: {format: json, root: /}\nfields: {last_name: nom}\n");
  auto r = load_mapping_set(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.front().code, "no_cases");

  fs::remove(dir / "test/lonely.yaml");
  write(dir / "test/again.yaml",
        "mapping: dgsn.identity\nversion: 1\ntarget: person\n"
        "source: {format: json, root: /}\nfields: {last_name: nom}\n");
  r = load_mapping_set(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.front().code, "duplicate_mapping");
}

}  // namespace
}  // namespace hub::mapping
