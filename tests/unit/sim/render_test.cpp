// The writers every renderer relies on.
#include "sim/data/render.hpp"

#include <gtest/gtest.h>

namespace sim::render {
namespace {

TEST(Render, Escaping) {
  std::string out;
  append_xml_text(out, "Lot 4 & 5, <zone> \"Aïn\" l'Oasis");
  EXPECT_EQ(out, "Lot 4 &amp; 5, &lt;zone&gt; &quot;Aïn&quot; l'Oasis");
  out.clear();
  append_json_string(out, std::string_view("a\"b\\c\nd\x01 é", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000ad\\u0001 é\"");
  out.clear();
  append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
}

TEST(Render, JsonObjectOrderAndVariation) {
  JsonObject o;
  o.str("a", "x").null("b").boolean("c", true).date("d", Date{2026, 11, 27}).raw("e", "[1]");
  EXPECT_EQ(o.render(), "{\"a\":\"x\",\"b\":null,\"c\":true,\"d\":\"2026-11-27\",\"e\":[1]}");
  Options strict;
  strict.strict = true;
  Variation off(strict, "id");
  EXPECT_EQ(o.render(off), o.render());
  std::size_t reordered = 0;
  for (int i = 0; i < 50; ++i) {
    Variation on(Options{}, "id" + std::to_string(i));
    Variation again(Options{}, "id" + std::to_string(i));
    const std::string a = o.render(on);
    EXPECT_EQ(a, o.render(again));
    reordered += a != o.render();
  }
  EXPECT_GT(reordered, 40u);
}

bool complete_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 0;
    if (n == 0 || i + n > s.size()) return false;
    i += n;
  }
  return true;
}

TEST(Render, TruncateCutsOnACharacterBoundary) {
  for (std::size_t pad = 0; pad < 12; ++pad) {
    const std::string whole = "{\"nom\":\"" + std::string(pad, ' ') + "العمراني العمراني\"}";
    std::string body = whole;
    truncate(body);
    EXPECT_LT(body.size(), whole.size());
    EXPECT_TRUE(complete_utf8(body)) << pad;
  }
}

TEST(Render, QueryParameters) {
  EXPECT_EQ(query_param("ice=001&cnie=BK1", "cnie"), "BK1");
  EXPECT_EQ(query_param("ice=%30%301", "ice"), "001");
  EXPECT_FALSE(query_param("ice=1", "cnie").has_value());
  EXPECT_EQ(query_param("ice=", "ice"), "");
  EXPECT_EQ(query_param_count("a=1&&b=2&"), 2u);
  EXPECT_EQ(split_target("/p?q=1").path, "/p");
  EXPECT_EQ(split_target("/p?q=1").query, "q=1");
  EXPECT_EQ(split_target("/p").query, "");
}

}  // namespace
}  // namespace sim::render
