// cnss-hub: serve, check a configuration, work with mappings.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

#include "hub/agreements/roles.hpp"
#include "hub/app/app.hpp"
#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/core/log.hpp"
#include "hub/core/version.hpp"
#include "hub/exchange/config_check.hpp"
#include "hub/jobs/cli.hpp"
#include "hub/mapping/cli.hpp"
#include "hub/mapping/engine.hpp"
#include "hub/store/store.hpp"
#include "hub/workbench/cli_export.hpp"
#include "hub/workbench/published.hpp"

namespace {

constexpr const char* kUsage = R"(cnss-hub — the CNSS Exchange Hub

Usage:
  cnss-hub serve --config FILE      serve, until SIGINT or SIGTERM
  cnss-hub check --config FILE      validate a configuration and exit (0 valid, 2 invalid)
  cnss-hub mapping check [DIR|FILE]  compile mappings and run their golden cases (0, or 1)
  cnss-hub mapping run --mapping FILE --input PAYLOAD
                                    print the canonical record with its provenance
  cnss-hub mapping export --config FILE DIR
                                    write the store's published mappings to DIR (layout of
                                    mappings/), for version control
  cnss-hub audit verify --config FILE
                                    recompute the exchange journal's hash chain (0 intact,
                                    1 broken: names the first entry that does not match)
  cnss-hub audit verify --offline DIR --pubkey KEY [--checkpoint FILE]...
                                    check a journal export without the database: chain,
                                    Merkle tree, signed checkpoints (0, 1 names what fails)
  cnss-hub jobs prefill FILE --url URL --cert F --key F --ca F --purpose P [--out RESULTS]
                                    a bulk prefill job of FILE's CNIEs or ICEs: its progress,
                                    then its results (NDJSON) to RESULTS or standard output
  cnss-hub --help | --version        this text | the version and the git commit it was built from

Every command also takes --help (its own usage) and --version.
Every problem in a configuration is reported as  file:line:col: code: message (at /key/path).
)";

constexpr const char* kServeUsage = R"(Usage: cnss-hub serve --config FILE
  Serves the listeners of the configuration until SIGINT or SIGTERM. SIGHUP (or a change of
  the files) reloads the mappings and the listeners' certificates, keys, client CAs and CRLs.
  Exit status: 0 stopped by a signal, 1 could not start, 2 invalid configuration.
)";

constexpr const char* kCheckUsage = R"(Usage: cnss-hub check --config FILE
  Validates a configuration without serving. Exit status: 0 valid, 2 invalid: every problem as
  file:line:col: code: message (at /key/path).
)";

const char* option(int argc, char** argv, std::string_view name) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return nullptr;
}

int report(const std::vector<hub::config::Problem>& problems) {
  for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
  std::fprintf(stderr, "%zu problem%s found\n", problems.size(), problems.size() == 1 ? "" : "s");
  return 2;
}

// The mapping set serve would load: the folder (hub.mappings_from: files, or a store that holds
// no published set yet, which the folder will seed), or the store's published set, compiled and
// tested as a node does (hub/workbench/published.hpp).
struct SetToCheck {
  hub::mapping::LoadReport report;
  std::string what;  // "the mappings in DIR", "the store's published set (version N)"
  std::string key;   // the configuration key it comes from
};

hub::Result<SetToCheck> set_to_check(const hub::config::HubConfig& c) {
  const SetToCheck folder{hub::mapping::load_mapping_set(c.mappings_dir),
                          "the mappings in " + c.mappings_dir, "/hub/mappings_dir"};
  if (c.mappings_from != "store") return folder;
  // A SQLite file that does not exist yet holds nothing (and check creates none).
  if (c.store.engine == "sqlite" && !std::filesystem::exists(c.store.path)) return folder;
  auto st = hub::store::open({c.store.engine, c.store.path, c.store.url, 1});
  if (!st) return st.error();
  auto set = hub::workbench::compile_published(**st, c.mappings_dir);
  if (!set) return set.error();
  if (set->set_version == 0) return folder;
  return SetToCheck{std::move(set->report),
                    "the store's published set (version " + std::to_string(set->set_version) + ")",
                    "/hub/mappings_from"};
}

// What serve checks once the mappings are compiled (hub/exchange/config_check.hpp): the adapters,
// their options, the recipes' operations and the mappings the recipes and events sources name.
std::vector<hub::config::Problem> check_references(const hub::config::HubConfig& c) {
  if (c.mappings_dir.empty()) return hub::exchange::check_references(c, nullptr);
  auto set = set_to_check(c);
  if (!set)
    return {c.problem_at("/hub/mappings_from", false, "store_unavailable",
                         "cannot read the published mappings: " + set.error().message)};
  if (!set->report.ok()) {
    std::string why;
    std::istringstream lines(hub::workbench::problems_text(set->report));
    for (std::string l; std::getline(lines, l);) why += "\n  " + l;
    return {c.problem_at(set->key, false, "mappings_invalid",
                         set->what + " do not compile or fail their cases:" + why)};
  }
  return hub::exchange::check_references(c, set->report.snapshot.get());
}

int check(const char* file) {
  auto loaded = hub::config::load_hub_config(file, true);
  if (!loaded.config) return report(loaded.problems);
  if (auto problems = check_references(*loaded.config); !problems.empty()) {
    return report(problems);
  }
  if (auto problems =
          hub::agreements::check_roles(loaded.config->agreements, loaded.config->principals);
      !problems.empty()) {
    return report(problems);
  }
  if (!loaded.config->testing_clock_offset_file.empty()) {
    std::fprintf(stderr,
                 "%s: warning: testing.clock_offset_file is set: TEST ONLY, the hub's clock runs "
                 "ahead by the days that file holds\n",
                 file);
  }
  std::printf("%s: configuration is valid (%zu listeners, %zu partners, %zu principals)\n", file,
              loaded.config->listeners.size(), loaded.config->partners.size(),
              loaded.config->principals.size());
  return 0;
}

int serve(const char* file) {
  auto loaded = hub::config::load_hub_config(file, true);
  if (!loaded.config) return report(loaded.problems);
  const auto& level = loaded.config->log_level;
  hub::log::set_min_level(level == "debug"   ? hub::log::Level::debug
                          : level == "warn"  ? hub::log::Level::warn
                          : level == "error" ? hub::log::Level::error
                                             : hub::log::Level::info);
  hub::app::App app(std::move(*loaded.config));
  if (auto r = app.start(); !r) {
    hub::log::error("cannot start",
                    {{"code", r.error().wire_code()}, {"error", r.error().message}});
    return 1;
  }
  for (const auto& [name, port] : app.bound_ports()) {
    const auto& listeners = app.config().listeners;
    std::string address = "127.0.0.1";
    for (const auto& l : listeners) {
      if (l.name == name) address = l.address;
    }
    hub::log::info("listening",
                   {{"listener", name}, {"address", address}, {"port", std::to_string(port)}});
  }
  hub::log::info("ready", {{"store", app.config().store.engine}});
  return app.run();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (hub::asks_for_version(argc, argv)) {
    std::puts(hub::version_line("cnss-hub").c_str());
    return 0;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "audit") return hub::audit::run_cli(argc - 1, argv + 1);
  if (cmd == "jobs") return hub::jobs::run_cli(argc - 1, argv + 1);
  if (cmd == "mapping" && argc > 2 && std::string_view(argv[2]) == "export")
    return hub::workbench::run_export_cli(argc - 2, argv + 2);
  if (cmd == "mapping") return hub::mapping::run_cli(argc - 1, argv + 1);
  if (cmd == "serve" || cmd == "check") {
    if (hub::asks_for_help(argc, argv, 2)) {
      std::fputs(cmd == "serve" ? kServeUsage : kCheckUsage, stdout);
      return 0;
    }
    const char* file = option(argc, argv, "--config");
    if (file == nullptr) {
      std::fprintf(stderr, "cnss-hub %s: --config FILE is required\n\n%s", argv[1],
                   cmd == "serve" ? kServeUsage : kCheckUsage);
      return 2;
    }
    return cmd == "serve" ? serve(file) : check(file);
  }
  std::fprintf(stderr, "cnss-hub: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
