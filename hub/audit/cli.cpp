// `cnss-hub audit verify --config FILE`.
#include <filesystem>
#include <iostream>
#include <string_view>

#include "hub/audit/journal.hpp"
#include "hub/config/config.hpp"
#include "hub/core/version.hpp"

namespace hub::audit {
namespace {

constexpr const char* kUsage =
    "Usage: cnss-hub audit verify --config FILE\n"
    "  Recomputes the exchange journal's hash chain in the configured store.\n"
    "  Exit status: 0 verified, 1 broken (the first entry that does not match is named),\n"
    "  2 the journal could not be checked.\n";

const char* option(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return nullptr;
}

}  // namespace

int run_cli(int argc, char** argv) {
  return run_cli(argc, argv, std::cout, std::cerr);
}

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  if (asks_for_help(argc, argv)) {
    out << kUsage;
    return 0;
  }
  if (argc < 2 || std::string_view(argv[1]) != "verify") {
    err << kUsage;
    return 2;
  }
  const char* file = option(argc, argv, "--config");
  if (file == nullptr) {
    err << "cnss-hub audit verify: --config FILE is required\n" << kUsage;
    return 2;
  }
  auto loaded = config::load_hub_config(file, false);
  if (!loaded.config) {
    for (const auto& p : loaded.problems) err << p.to_string() << '\n';
    return 2;
  }
  const auto& s = loaded.config->store;
  // Opening a missing SQLite file would create an empty journal and call it verified.
  if (s.engine == "sqlite" && !std::filesystem::exists(s.path)) {
    err << "cnss-hub audit verify: no database at " << s.path << " (store.path in " << file
        << ")\n";
    return 2;
  }
  auto store = store::open({s.engine, s.path, s.url, s.pool_size});
  if (!store) {
    err << "cnss-hub audit verify: cannot open the store: " << store.error().message << '\n';
    return 2;
  }
  auto report = verify_journal(**store);
  if (!report) {
    err << "cnss-hub audit verify: cannot read the journal: " << report.error().message << '\n';
    return 2;
  }
  if (!report->ok) {
    out << "journal broken at entry " << report->broken_at << ": " << report->problem << '\n';
    return 1;
  }
  out << "journal verified: " << report->entries << " entries\n";
  return 0;
}

}  // namespace hub::audit
