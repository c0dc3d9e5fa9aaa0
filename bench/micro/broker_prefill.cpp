// The broker's prefill (hub/exchange/broker.cpp) over fake partners on loopback
// (tests/unit/exchange/broker_rig.hpp). Cached: a two-step recipe answered from the cache, merged
// with per-field provenance and a conflict rule: the path a repeated prefill takes, which issue 16
// tuned; its CPU time per call is the figure. Uncached: the same asked of the partners each time
// (Cache-Control: no-cache), real mutual TLS on kept-alive connections included.
#include <benchmark/benchmark.h>

#include "unit/exchange/broker_rig.hpp"

namespace {
using broker_rig::FakePartner;
using broker_rig::Reply;

const std::string kIce = "001561191000066";

broker_rig::Script taxpayer(const std::string& name) {
  return [name](const hub::http::Request&) {
    Reply r;
    r.body = broker_rig::taxpayer_json("40123456", kIce, name);
    return r;
  };
}

hub::config::HubConfig two_steps(const FakePartner& a, const FakePartner& b) {
  hub::config::HubConfig c;
  c.partners = {broker_rig::partner("alpha", a), broker_rig::partner("beta", b)};
  auto& r = c.exchange.recipes["r"];
  r.steps = {broker_rig::step("a", "alpha"), broker_rig::step("b", "beta", "{a:/ice}")};
  r.conflicts = {{"company_name", {"a:/company_name", "b:/company_name"}}};
  return c;
}

void run(benchmark::State& state, bool no_cache) {
  FakePartner a(taxpayer("ATLAS LOGISTIQUE"));
  FakePartner b(taxpayer("ATLAS LOGISTIQUE SARL"));
  broker_rig::Rig rig(two_steps(a, b));
  hub::exchange::Caller caller;
  caller.no_cache = no_cache;
  if (rig.prefill("r", kIce).status != 200) state.SkipWithError("the first prefill failed");
  for (auto _ : state) {
    auto r = rig.prefill("r", kIce, caller);
    benchmark::DoNotOptimize(r.body.data());
    if (r.status != 200) state.SkipWithError("a prefill failed");
  }
}

void BM_PrefillCached(benchmark::State& state) {
  run(state, false);
}
void BM_PrefillUncached(benchmark::State& state) {
  run(state, true);
}

}  // namespace

BENCHMARK(BM_PrefillCached);
BENCHMARK(BM_PrefillUncached)->UseRealTime();
BENCHMARK_MAIN();
