#include <gtest/gtest.h>

#include <set>

#include "hub/core/error.hpp"
#include "hub/core/ids.hpp"

namespace {

TEST(Ids, UuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto u = hub::new_uuid();
    ASSERT_TRUE(hub::is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(std::string("89ab").find(u[19]) != std::string::npos) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(hub::is_uuid("0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a1"));
  EXPECT_FALSE(hub::is_uuid("0f6d2c9e_5d1b-4f5e-9a55-2b1f7c1e9a10"));
}

TEST(Ids, CorrelationIdsThatCouldInjectAreRefused) {
  EXPECT_TRUE(hub::is_safe_correlation_id("0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10"));
  EXPECT_TRUE(hub::is_safe_correlation_id("dgct.2026_000001"));
  EXPECT_FALSE(hub::is_safe_correlation_id(""));
  EXPECT_FALSE(hub::is_safe_correlation_id("a\"b"));
  EXPECT_FALSE(hub::is_safe_correlation_id("a\r\nSet-Cookie: x"));
  EXPECT_FALSE(hub::is_safe_correlation_id(std::string(65, 'a')));
}

// A client's id that holds a CNIE, or digits enough for an ICE, IF, RIB, immatriculation or
// phone number, is not kept (the server makes its own); ordinary ids and UUIDs are.
TEST(Ids, CorrelationIdsShapedLikePersonalIdentifiersAreSeen) {
  for (const char* id : {"BK123456", "XP123457-leak", "xp123457-leak", "req-A12345", "J1234",
                         "case_BE654321_x", "0612345678", "06-12-34-56-78", "06.12.34.56.78",
                         "tel212612345678", "ice-001561191000066", "rib.181810000000000000000000",
                         "aff-1234567", "if_12345678", "imm123456789", "born-1985-03-12"}) {
    EXPECT_TRUE(hub::holds_personal_identifier(id)) << id;
  }
  for (const char* id : {"dgct.2026_000001", "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10",
                         "0f6d2c9e-5d1b-4f5e-9a55-2b1f7c123456", "req-42", "v1.2.3", "batch7_run12",
                         "order-123456", "abc1234", "job_2026_12_000123", "ab-123"}) {
    EXPECT_FALSE(hub::holds_personal_identifier(id)) << id;
  }
}

TEST(Ids, MaskingKeepsOnlyTheEnds) {
  EXPECT_EQ(hub::mask_identifier("BK123456"), "BK****56");
  EXPECT_EQ(hub::mask_identifier("001561191000066"), "00***********66");
  EXPECT_EQ(hub::mask_identifier("AB12"), "****");
  EXPECT_EQ(hub::mask_identifiers_in("/v1/insured?cnie=BK123456&x=ab"),
            "/v1/insured?cnie=BK****56&x=ab");
  EXPECT_EQ(hub::mask_identifiers_in("/rc/api/v1/entreprises/CASABLANCA/412345"),
            "/rc/api/v1/entreprises/CASABLANCA/41**45");
  EXPECT_EQ(hub::mask_identifiers_in("/healthz"), "/healthz");
}

// An identifier hidden by percent-encoding, typed with separators or in another script's digits
// is still an identifier (issue 15: "/v1/persons/AB%31%32..." was logged in clear).
TEST(Ids, MaskingSeesThroughEncodingsSeparatorsAndScripts) {
  EXPECT_EQ(hub::mask_identifiers_in("/v1/persons/AB%31%32%33%34%35%36"), "/v1/persons/AB****56");
  EXPECT_EQ(hub::mask_identifiers_in("/v1/persons/%42%4B123456/history"),
            "/v1/persons/BK****56/history");
  EXPECT_EQ(hub::mask_identifiers_in("/v1/persons/AB%2531%2532%2533%2534"), "/v1/persons/AB**34");
  EXPECT_EQ(hub::mask_identifiers_in("/x?ice=001%20561%20191%20000%20066"),
            "/x?ice=00* *** *** *** *66");
  EXPECT_EQ(hub::mask_identifiers_in("/x?cnie=BK+123+456"), "/x?cnie=BK+***+*56");
  EXPECT_EQ(hub::mask_identifiers_in("/x?rib=001-810-0078"), "/x?rib=00*-***-**78");
  // U+00A0 inside a number, Arabic-Indic and fullwidth digits.
  EXPECT_EQ(hub::mask_identifiers_in("/x?ice=001\xC2\xA0"
                                     "561191"),
            "/x?ice=00*\xC2\xA0"
            "****91");
  EXPECT_EQ(hub::mask_identifiers_in("/x?cnie=BK%D9%A1%D9%A2%D9%A3%D9%A4"),
            "/x?cnie=BK**\xD9\xA3\xD9\xA4");
  EXPECT_EQ(hub::mask_identifiers_in("/x?cnie=BK\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94"),
            "/x?cnie=BK**\xEF\xBC\x93\xEF\xBC\x94");
  // What is not an identifier stays readable; bytes that are not UTF-8 become '?'.
  EXPECT_EQ(hub::mask_identifiers_in("/v1/prefill/person?purpose=IMMATRICULATION"),
            "/v1/prefill/person?purpose=IMMATRICULATION");
  EXPECT_EQ(hub::mask_identifiers_in("/x?a=%FF%zz%4"), "/x?a=?%zz%4");
}

// Every code, with the wire code and HTTP status clients rely on (docs/openapi/). A code added to
// Errc without a line here fails: the table must have kErrcCount lines, in Errc's order.
TEST(Errors, EveryCodeHasAStatus) {
  const std::vector<std::pair<std::string_view, unsigned>> expected = {
      {"invalid_input", 400},
      {"unauthenticated", 401},
      {"unknown_principal", 403},
      {"forbidden", 403},
      {"forbidden_purpose", 403},
      {"not_found", 404},
      {"gone", 410},
      {"method_not_allowed", 405},
      {"conflict", 409},
      {"precondition_failed", 412},
      {"payload_too_large", 413},
      {"unprocessable", 422},
      {"rate_limited", 429},
      {"internal", 500},
      {"partner_unavailable", 502},
      {"timeout", 504},
      {"malformed_response", 502},
      {"tls_failure", 502},
      {"journal_unavailable", 503},
      {"store_unavailable", 503},
  };
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(hub::kErrcCount));
  for (int i = 0; i < hub::kErrcCount; ++i) {
    const auto c = static_cast<hub::Errc>(i);
    EXPECT_EQ(hub::code_of(c), expected[i].first) << i;
    EXPECT_EQ(hub::http_status_of(c), expected[i].second) << expected[i].first;
  }
  // Past the last code, nothing: a code added after journal_unavailable must move kErrcCount.
  EXPECT_EQ(hub::code_of(static_cast<hub::Errc>(hub::kErrcCount)), "internal");
  const auto e = hub::make_error(hub::Errc::invalid_input, "x", "body_too_large");
  EXPECT_EQ(e.wire_code(), "body_too_large");
}

}  // namespace
