// cnss-sim: the partner simulators (DGSN, DGCT, OMPIC, DGI, ANRC) and their event pushers.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "hub/core/version.hpp"
#include "sim/partners.hpp"
#include "sim/push.hpp"
#include "sim/serve.hpp"
#include "sim/sim_config.hpp"

namespace {

constexpr const char* kServeUsage =
    R"(Usage: cnss-sim serve --config FILE [--strict] [--seed N] [--only dgsn,dgct,ompic,dgi,anrc]
  Serves each partner's contract on its own port over mutual TLS (client certificates from
  that partner's CA only), with deterministic synthetic data derived from each identifier.
)";

constexpr const char* kPushUsage =
    R"(Usage: cnss-sim push dgct|ompic|anrc --to URL --config FILE [--rate N] [--count M]
                [--duplicates R] [--shuffle R] [--stream-seed N] [--out FILE] [--give-up-after S]
  Pushes civil events (dgct), company events (ompic) or eligibility changes (anrc) to the
  hub's partner listener, at least once and out of order, retrying until a 2xx; --out writes
  one JSON line per delivery.
)";

constexpr const char* kDetails = R"(
Partners:
  dgsn   CNIE identity, SOAP 1.1          POST /ws/cnie/v2
  dgct   family booklet, REST/JSON        GET  /api/etat-civil/v1/personnes/{cnie}/famille
  ompic  commercial register, REST/XML    GET  /rc/api/v1/entreprises?ice= | /{tribunal}/{rc}
  dgi    taxpayers, REST/JSON             GET  /dgi/api/v2/contribuables/{if} | ?ice= | ?cnie=
  anrc   households (RSU), REST/JSON      GET  /rsu/api/v1/menages?cnie=  (X-Finalite)

Modes:
  default   answers vary within what the contracts allow (prefixes, extra elements, key order...)
  --strict  exactly the contracts' example shapes

Reserved identifiers (digits ending in): 000 not found, 999 internal error, 998 malformed body,
997 answer after 30 s, 996 429 with Retry-After: 1.

Control (on each simulator's own port, loopback only):
  GET|PUT /_sim/faults[?all=true]   fault injection settings (JSON, keys as in conf/sim.yaml)
  GET|DELETE /_sim/counters[?id=X]  requests served per identifier kind, or for one identifier
)";

// The whole usage: what `cnss-sim --help` prints.
void print_usage(std::FILE* to) {
  std::fputs("cnss-sim — partner simulators for the CNSS Exchange Hub\n\n", to);
  std::fputs(kServeUsage, to);
  std::fputs(kPushUsage, to);
  std::fputs("Usage: cnss-sim --help | --version\n", to);
  std::fputs(kDetails, to);
}

const char* option(int argc, char** argv, std::string_view name) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return nullptr;
}

bool flag(int argc, char** argv, std::string_view name) {
  for (int i = 2; i < argc; ++i) {
    if (name == argv[i]) return true;
  }
  return false;
}

std::optional<sim::SimConfig> load(int argc, char** argv) {
  const char* file = option(argc, argv, "--config");
  if (file == nullptr) {
    std::fprintf(stderr, "cnss-sim: --config FILE is required\n");
    return std::nullopt;
  }
  auto loaded = sim::load_sim_config(file);
  if (!loaded.config) {
    for (const auto& p : loaded.problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    return std::nullopt;
  }
  if (flag(argc, argv, "--strict")) loaded.config->strict = true;
  if (const char* s = option(argc, argv, "--seed"))
    loaded.config->seed = std::strtoull(s, nullptr, 10);
  if (const char* only = option(argc, argv, "--only")) {
    const std::string list = std::string(",") + only + ",";
    std::erase_if(loaded.config->partners, [&](const sim::PartnerListener& p) {
      return list.find("," + p.name + ",") == std::string::npos;
    });
  }
  return loaded.config;
}

double number(int argc, char** argv, std::string_view name, double fallback) {
  const char* v = option(argc, argv, name);
  return v ? std::strtod(v, nullptr) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  if (hub::asks_for_version(argc, argv)) {
    std::puts(hub::version_line("cnss-sim").c_str());
    return 0;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    print_usage(stdout);
    return 0;
  }
  if ((cmd == "serve" || cmd == "push") && hub::asks_for_help(argc, argv, 2)) {
    std::fputs(cmd == "serve" ? kServeUsage : kPushUsage, stdout);
    if (cmd == "serve") std::fputs(kDetails, stdout);
    return 0;
  }
  if (cmd == "serve") {
    auto config = load(argc, argv);
    return config ? sim::serve(*config) : 2;
  }
  if (cmd == "push") {
    const sim::SimulatedPartner* pusher = argc < 3 ? nullptr : sim::simulated_partner(argv[2]);
    if (pusher == nullptr || pusher->events == nullptr) {
      std::fprintf(stderr, "cnss-sim push: the partner must be one of %s\n",
                   sim::simulated_partner_names(true).c_str());
      return 2;
    }
    auto config = load(argc, argv);
    if (!config) return 2;
    sim::PushOptions o;
    o.partner = argv[2];
    const char* to = option(argc, argv, "--to");
    if (to == nullptr) {
      std::fprintf(stderr, "cnss-sim push: --to URL is required\n");
      return 2;
    }
    o.to = to;
    o.rate = number(argc, argv, "--rate", o.rate);
    o.count = static_cast<std::size_t>(number(argc, argv, "--count", static_cast<double>(o.count)));
    o.duplicate_rate = number(argc, argv, "--duplicates", o.duplicate_rate);
    o.shuffle = number(argc, argv, "--shuffle", o.shuffle);
    o.stream_seed = static_cast<std::uint64_t>(number(argc, argv, "--stream-seed", 1));
    o.give_up_after_s = number(argc, argv, "--give-up-after", o.give_up_after_s);
    if (const char* out = option(argc, argv, "--out")) o.out = out;
    return sim::push(*config, o);
  }
  std::fprintf(stderr, "cnss-sim: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
