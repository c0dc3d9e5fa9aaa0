// Whatever arrives, the handlers answer: no exception, no crash, a status the contracts know.
#include "contract_support.hpp"
#include "sim/data/events.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <thread>

namespace sim::testing {
namespace {

std::string garbage(std::mt19937_64& g, std::size_t max) {
  static constexpr std::string_view kPieces[] = {"/",           "?",
                                                 "&",           "=",
                                                 "%",           "%2F",
                                                 "ice",         "cnie",
                                                 "BK123456",    "001561191000066",
                                                 "<",           ">",
                                                 "\"",          "é",
                                                 "\xff",        "\x00",
                                                 "famille",     "contribuables",
                                                 "menages",     "AMO_TADAMON",
                                                 "entreprises", "soapenv:",
                                                 "xmlns",       "Envelope",
                                                 "Motif",       "NumeroCNIE",
                                                 "999",         "000"};
  std::string s;
  const std::size_t n = g() % max;
  for (std::size_t i = 0; i < n; ++i) {
    if (g() % 3 == 0) {
      s.push_back(static_cast<char>(g() % 256));
    } else {
      s += kPieces[g() % std::size(kPieces)];
    }
  }
  return s;
}

TEST(Robustness, GarbageNeverCrashes) {
  std::mt19937_64 g(5);
  const std::set<unsigned> known = {200, 400, 403, 404, 405, 429, 500};
  const std::string prefixes[] = {"/ws/cnie/v2",
                                  "/api/etat-civil/v1/personnes/",
                                  "/rc/api/v1/entreprises",
                                  "/dgi/api/v2/contribuables",
                                  "/rsu/api/v1/menages?cnie=",
                                  ""};
  for (int i = 0; i < 20000; ++i) {
    const std::string target = prefixes[g() % std::size(prefixes)] + garbage(g, 8);
    const std::string body = g() % 2 ? garbage(g, 40) : soap_request(garbage(g, 3), garbage(g, 2));
    const std::string motif = g() % 2 ? garbage(g, 2) : "AMO_TADAMON";
    const Request req{g() % 4 ? "GET" : "POST", target, body, motif, "", motif};
    for (const Reply& r : {handle_dgsn(req, default_options()), handle_dgct(req, default_options()),
                           handle_ompic(req, default_options()), handle_dgi(req, default_options()),
                           handle_anrc(req, default_options())}) {
      ASSERT_TRUE(known.count(r.status)) << r.status << " for " << target;
      ASSERT_FALSE(r.kind.empty());
      ASSERT_FALSE(r.content_type.empty());
    }
  }
}

TEST(Robustness, ThreadsSeeTheSameWorld) {
  const std::vector<std::string> cnies = sample_cnies(400, 77);
  auto render_all = [&](std::uint64_t seed) {
    Options o;
    o.seed = seed;
    std::string all;
    for (const std::string& c : cnies) all += dgct(o, c).body + dgsn(o, c).body;
    return all;
  };
  const std::string expected = render_all(20261127);
  std::string a, b;
  // The per-thread permutation caches must not leak one seed's world into another's.
  std::thread t1([&] { a = render_all(20261127); });
  std::thread t2([&] {
    render_all(1);
    b = render_all(20261127);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(a, expected);
  EXPECT_EQ(b, expected);
}

}  // namespace
}  // namespace sim::testing
