// What the registry receives of an answer's provenance: the source paths as the partner's payload
// names them, whatever escaping the prefill answer's text needed.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "hub/exchange/answer_json.hpp"

namespace {
using hub::exchange::MappedAnswer;

MappedAnswer sealed(const std::string& record_json,
                    std::vector<std::pair<std::string, std::string>> sources) {
  MappedAnswer a;
  a.partner = "dgsn";
  a.mapping_id = "dgsn.identity";
  a.record_json = record_json;
  a.sources = std::move(sources);
  rapidjson::Document record;
  record.Parse(record_json.c_str());
  hub::exchange::seal_answer(a, record, {});
  return a;
}

// A quote or a backslash in a path is escaped once for the answer's JSON text, and given back
// as it was to the registry; the values the mapping set itself are not the partner's facts.
TEST(RawSources, UnescapedAndWithoutTheMappingsOwnValues) {
  auto a = sealed(R"({"last_name":"ALAOUI","nationality":"MA","note":"x"})",
                  {{"/last_name", R"(/Reponse/Nom[@type="usage"])"}, {"/note", R"(c:Note\1)"}});
  // The answer's text carries them escaped, and the mapping's constant with its own source.
  ASSERT_EQ(a.sources.size(), 3u);
  EXPECT_EQ(a.sources[0].second, R"(/Reponse/Nom[@type=\"usage\"])");
  EXPECT_EQ(a.sources[2],
            (std::pair<std::string, std::string>{"/nationality", "(set by the mapping)"}));

  auto raw = hub::exchange::raw_sources(a);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0],
            (std::pair<std::string, std::string>{"/last_name", R"(/Reponse/Nom[@type="usage"])"}));
  EXPECT_EQ(raw[1], (std::pair<std::string, std::string>{"/note", R"(c:Note\1)"}));
}

}  // namespace
