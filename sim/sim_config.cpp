#include "sim/sim_config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hub/config/yaml_reader.hpp"
#include "sim/partners.hpp"

namespace sim {
namespace {
using hub::config::MapReader;

void read_faults(MapReader& m, Faults& f) {
  m.number("latency_ms", f.latency_ms, 0, 600'000);
  m.one_of("jitter", f.jitter, {"none", "uniform", "exponential"});
  m.number("jitter_ms", f.jitter_ms, 0, 600'000);
  m.number("error_rate", f.error_rate, 0, 1);
  m.number("malformed_rate", f.malformed_rate, 0, 1);
  m.number("reset_rate", f.reset_rate, 0, 1);
  m.number("slow_body_rate", f.slow_body_rate, 0, 1);
  m.number("slow_body_ms", f.slow_body_ms, 0, 60'000);
  m.one_of("encoding", f.encoding, {"identity", "gzip", "deflate", "deflate_raw"});
  m.number("bomb_rate", f.bomb_rate, 0, 1);
  m.one_of("retry_after", f.retry_after, {"seconds", "imf_fixdate", "rfc850", "asctime"});
  m.number("retry_after_s", f.retry_after_s, -86'400, 86'400);
  m.number("invisible_marks_rate", f.invisible_marks_rate, 0, 1);
  m.number("split_text_rate", f.split_text_rate, 0, 1);
}

}  // namespace

SimLoad load_sim_config(const std::string& file) {
  SimLoad out;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.problems.push_back({file, 1, 1, "", "file_not_found", "cannot read " + file});
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const auto base = std::filesystem::absolute(file).parent_path().string();
  hub::config::ReadContext ctx(file, base, true);
  auto doc = ctx.parse(ss.str());
  SimConfig c;
  if (doc) {
    MapReader root(ctx, *doc, "");
    std::size_t seed = c.seed;
    root.size("seed", seed, 0, SIZE_MAX);
    c.seed = seed;
    root.boolean("strict", c.strict);
    root.number("conflict_share", c.conflict_share, 0, 1);
    root.size("threads", c.threads, 1, 64);
    root.string("address", c.address);
    if (auto f = root.map("faults")) read_faults(*f, c.faults);
    for (auto& [name, m] : root.named_maps("partners", true)) {
      if (!m.valid()) continue;
      if (simulated_partner(name) == nullptr) {
        ctx.problem(
            m.node(), m.path(), "invalid_value",
            "'" + name + "' is not a simulated partner (" + simulated_partner_names() + ")");
        m.finish();
        continue;
      }
      PartnerListener p;
      p.name = name;
      m.port("port", p.port, true);
      m.file("certificate", p.certificate, true);
      m.file("key", p.key, true);
      m.file("client_ca", p.client_ca, true);
      m.file("crl", p.crl);
      if (auto f = m.map("faults")) {
        Faults pf = c.faults;
        read_faults(*f, pf);
        p.faults = pf;
      }
      if (auto r = m.map("rate_limit")) {
        r->number("per_second", p.rate_limit.per_second, 0, 1e9, true);
        r->number("burst", p.rate_limit.burst, 1, 1e9, true);
      }
      c.partners.push_back(std::move(p));
    }
    if (auto push = root.map("push")) {
      push->file("hub_ca", c.hub_ca, true);
      for (const SimulatedPartner& who : simulated_partners()) {
        if (who.events == nullptr) continue;
        if (auto m = push->map(std::string(who.name))) {
          PushIdentity id;
          m->file("certificate", id.certificate, true);
          m->file("key", id.key, true);
          c.push[std::string(who.name)] = id;
        }
      }
    }
  }
  out.problems = std::move(ctx.problems());
  if (out.problems.empty()) out.config = std::move(c);
  return out;
}

}  // namespace sim
