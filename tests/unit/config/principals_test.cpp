// Principals bound to their CA: matched by subject, issuer and issuer key id; refused by the
// configuration reader, with their position, when a listener trusting several CAs would let any
// of them issue the principal's certificate.
#include <gtest/gtest.h>

#include "hub/config/config.hpp"
#include "hub/config/principals.hpp"
#include "support/pki.hpp"

namespace ts = testing_support;
using hub::config::parse_hub_config;
using hub::config::PrincipalMiss;

namespace {

// A configuration whose one listener trusts `client_ca` (a YAML list), with `principals`.
std::string config_with(const std::string& client_ca, const std::string& principals) {
  return "hub:\n"
         "  data_dir: data\n"
         "listeners:\n"
         "  - name: partners\n"
         "    port: 9443\n"
         "    interfaces: [partner]\n"
         "    tls:\n"
         "      certificate: certs/server.crt\n"
         "      key: certs/server.key\n"
         "      client_ca: " +
         client_ca +
         "\n"
         "store:\n"
         "  engine: sqlite\n"
         "  path: data/hub.db\n"
         "principals:\n" +
         principals;
}

const char* kDgctWithoutIssuer =
    "  - name: dgct\n"  // line 15
    "    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n"
    "    roles: [partner]\n";

std::string all(const hub::config::LoadResult& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.to_string() + "\n";
  return s;
}

TEST(Principals, WithoutIssuerRefusedWhenAListenerTrustsABundle) {
  const std::string text = config_with("[" + ts::pki("ca/partners.crt") + "]", kDgctWithoutIssuer);
  auto r = parse_hub_config(text, "hub.yaml", "/etc/cnss", false);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u) << all(r);
  EXPECT_EQ(r.problems[0].line, 15);
  EXPECT_EQ(r.problems[0].column, 5);
  EXPECT_EQ(r.problems[0].code, "missing_key");
  EXPECT_EQ(r.problems[0].path, "/principals/0/issuer");
  const std::string partners = std::to_string(ts::certificates_in(ts::pki("ca/partners.crt")));
  EXPECT_NE(r.problems[0].message.find("listener 'partners' trusts " + partners + " CAs"),
            std::string::npos)
      << all(r);
}

TEST(Principals, WithoutIssuerRefusedWhenAListenerTrustsSeveralFiles) {
  const std::string cas = "[" + ts::pki("ca/dgct.crt") + ", " + ts::pki("ca/ompic.crt") + "]";
  auto r = parse_hub_config(config_with(cas, kDgctWithoutIssuer), "hub.yaml", "", false);
  EXPECT_FALSE(r.config);
  EXPECT_NE(all(r).find("hub.yaml:15:5: missing_key: principal 'dgct' has no issuer, and "
                        "listener 'partners' trusts 2 CAs"),
            std::string::npos)
      << all(r);
}

TEST(Principals, WithoutIssuerAcceptedWhenEveryListenerTrustsOneCa) {
  auto r = parse_hub_config(config_with("[" + ts::pki("ca/dgct.crt") + "]", kDgctWithoutIssuer),
                            "hub.yaml", "", false);
  EXPECT_TRUE(r.config) << all(r);
}

TEST(Principals, WithIssuerAcceptedOnABundle) {
  const std::string principal =
      "  - name: dgct\n"
      "    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n"
      "    issuer: CN=DGCT Development Root CA,O=DGCT,C=MA\n"
      "    issuer_key_id: 76:AE:CC:56:99:09:BF:9D:99:AC:35:A4:02:DE:48:0E:93:22:5E:8A\n"
      "    roles: [partner]\n";
  auto r = parse_hub_config(config_with("[" + ts::pki("ca/partners.crt") + "]", principal),
                            "hub.yaml", "", false);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->principals[0].issuer_key_id, "76aecc569909bf9d99ac35a402de480e93225e8a");
}

TEST(Principals, MalformedIssuerKeyIdIsRefusedWithItsPosition) {
  const std::string principal =
      "  - name: dgct\n"
      "    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n"
      "    issuer: CN=DGCT Development Root CA,O=DGCT,C=MA\n"
      "    issuer_key_id: 76:AE:CC:5G\n"  // line 18
      "    roles: [partner]\n"
      "  - name: ompic\n"
      "    subject: CN=ompic-cnss-exchange,O=OMPIC,C=MA\n"
      "    issuer_key_id: 76aecc\n"  // line 22: no issuer
      "    roles: [partner]\n";
  auto r = parse_hub_config(config_with("[" + ts::pki("ca/dgct.crt") + "]", principal), "hub.yaml",
                            "", false);
  EXPECT_FALSE(r.config);
  EXPECT_NE(all(r).find("hub.yaml:18:20: invalid_value: '76:AE:CC:5G' is not a key identifier"),
            std::string::npos)
      << all(r);
  EXPECT_NE(all(r).find("(at /principals/0/issuer_key_id)"), std::string::npos) << all(r);
  EXPECT_NE(all(r).find("hub.yaml:22:20: missing_key: issuer_key_id is given without issuer"),
            std::string::npos)
      << all(r);
  EXPECT_EQ(r.problems.size(), 2u) << all(r);
}

TEST(Principals, KeyIdForms) {
  using hub::config::normalise_key_id;
  EXPECT_EQ(normalise_key_id("76:AE:cc"), "76aecc");
  EXPECT_EQ(normalise_key_id("76AEcc"), "76aecc");
  for (const char* bad : {"", "7", "76a", "76:AE:", ":76:AE", "76:AEcc", "76::AE", "7 6", "zz"}) {
    EXPECT_FALSE(normalise_key_id(bad)) << bad;
  }
}

TEST(Principals, SameSubjectAndIssuerTwiceIsRefused) {
  const std::string principal =
      "  - name: a\n    subject: CN=x\n    issuer: CN=ca\n    roles: [partner]\n"
      "  - name: b\n    subject: CN=x\n    issuer: CN=ca\n    roles: [ops]\n";
  auto r = parse_hub_config(config_with("[ca.crt]", principal), "hub.yaml", "", false);
  EXPECT_NE(all(r).find("duplicate: another principal has this subject and issuer"),
            std::string::npos)
      << all(r);
}

TEST(Principals, MatchedBySubjectIssuerAndKeyId) {
  const std::string principals =
      "  - name: dgct\n"
      "    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n"
      "    issuer: CN=DGCT CA,O=DGCT,C=MA\n"
      "    issuer_key_id: AA:BB\n"
      "    roles: [partner]\n"
      "  - name: agency\n"
      "    subject: CN=agency,O=CNSS,C=MA\n"
      "    issuer: CN=CNSS CA,O=CNSS,C=MA\n"
      "    roles: [registration]\n";
  auto r = parse_hub_config(config_with("[ca.crt]", principals), "hub.yaml", "", false);
  ASSERT_TRUE(r.config) << all(r);
  const auto& c = *r.config;
  const std::string dgct = "CN=dgct-cnss-exchange,O=DGCT,C=MA";

  auto genuine = c.principal_by_subject(dgct, "CN=DGCT CA,O=DGCT,C=MA", "aabb");
  ASSERT_NE(genuine.principal, nullptr);
  EXPECT_EQ(genuine.principal->name, "dgct");
  EXPECT_EQ(genuine.miss, PrincipalMiss::none);

  auto other_ca = c.principal_by_subject(dgct, "CN=DGI CA,O=DGI,C=MA", "aabb");
  EXPECT_EQ(other_ca.principal, nullptr);
  EXPECT_EQ(other_ca.miss, PrincipalMiss::issuer_mismatch);
  ASSERT_NE(other_ca.claimed, nullptr);
  EXPECT_EQ(other_ca.claimed->name, "dgct");

  auto twin = c.principal_by_subject(dgct, "CN=DGCT CA,O=DGCT,C=MA", "ccdd");
  EXPECT_EQ(twin.principal, nullptr);
  EXPECT_EQ(twin.miss, PrincipalMiss::issuer_key_id_mismatch);

  // Exact RFC 2253 text: another spelling of the same name is another name.
  EXPECT_EQ(c.principal_by_subject(dgct, "CN=DGCT CA, O=DGCT, C=MA", "aabb").principal, nullptr);

  // A principal without issuer_key_id accepts its CA whatever its key identifier.
  EXPECT_NE(c.principal_by_subject("CN=agency,O=CNSS,C=MA", "CN=CNSS CA,O=CNSS,C=MA", "").principal,
            nullptr);
  auto nobody = c.principal_by_subject("CN=nobody", "CN=CNSS CA,O=CNSS,C=MA", "");
  EXPECT_EQ(nobody.miss, PrincipalMiss::unknown_subject);
  EXPECT_EQ(nobody.claimed, nullptr);
}

}  // namespace
