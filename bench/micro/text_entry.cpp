// What the text rule costs (hub/text, docs/text.md): the entry rule per field (a name in plain
// ASCII, the fast path; one with a no-break space; an Arabic name between RLMs, the paths through
// ICU), the comparison key per field, and the one JSON reader against a plain RapidJSON parse of
// the same partner payload (DGCT's booklet with six children, 2 KB:
// mappings/dgct/cases/family.six_children.json): the ratio of their CPU times is what I-JSON's
// checks and the rule cost a JSON answer.
#include "hub/text/clean.hpp"
#include "hub/text/compare.hpp"
#include "hub/text/json.hpp"

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(CNSS_SOURCE_DIR) / "mappings" / "dgct" / "cases";

std::string payload() {
  std::ifstream in(kCases / "family.six_children.json", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A field as partners send it.
const char* field_text(int which) {
  switch (which) {
    case 0:
      return "EL OUAZZANI";  // printable ASCII
    case 1:
      return "EL\xc2\xa0OUAZZANI";  // a no-break space
    default:                        // RLM, العمراني, RLM
      return "\xe2\x80\x8f\xd8\xa7\xd9\x84\xd8\xb9\xd9\x85\xd8\xb1\xd8\xa7\xd9\x86\xd9\x8a"
             "\xe2\x80\x8f";
  }
}

const char* kFieldNames[] = {"ascii", "no_break_space", "arabic_rlm"};

void Clean(benchmark::State& state) {
  const std::string_view in = field_text(static_cast<int>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    if (!hub::text::already_clean(in)) {
      auto r = hub::text::clean(in, out);
      benchmark::DoNotOptimize(r);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(kFieldNames[state.range(0)]);
}
BENCHMARK(Clean)->DenseRange(0, 2);

void ComparisonKey(benchmark::State& state) {
  const std::string_view in = field_text(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hub::text::comparison_key(in));
  state.SetLabel(kFieldNames[state.range(0)]);
}
BENCHMARK(ComparisonKey)->DenseRange(0, 2);

void JsonPlainRapidjson(benchmark::State& state) {
  const std::string body = payload();
  if (body.empty()) state.SkipWithError("no payload");
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    benchmark::DoNotOptimize(d.HasParseError());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(JsonPlainRapidjson);

void JsonOneReader(benchmark::State& state) {
  const std::string body = payload();
  if (body.empty()) state.SkipWithError("no payload");
  hub::text::JsonOptions o;
  o.numbers_as_text = true;  // as the mapping engine reads a partner's answer
  for (auto _ : state) {
    rapidjson::Document d;
    auto p = hub::text::read_json(body, d, o);
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(JsonOneReader);

}  // namespace

BENCHMARK_MAIN();
