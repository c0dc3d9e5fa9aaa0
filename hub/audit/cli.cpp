// `cnss-hub audit verify --config FILE` and `cnss-hub audit verify --offline DIR --pubkey KEY`.
#include <filesystem>
#include <iostream>
#include <string_view>
#include <vector>

#include "hub/audit/journal.hpp"
#include "hub/audit/log_key.hpp"
#include "hub/audit/offline_verify.hpp"
#include "hub/config/config.hpp"
#include "hub/core/version.hpp"

namespace hub::audit {
namespace {

constexpr const char* kUsage =
    "Usage: cnss-hub audit verify --config FILE\n"
    "       cnss-hub audit verify --offline DIR --pubkey KEY [--checkpoint FILE]...\n"
    "  --config FILE      recompute the hash chain of the journal in the configured store\n"
    "  --offline DIR      check a journal export (docs/audit.md, \"Offline verification\")\n"
    "                     without the database or the hub's configuration: the hash chain,\n"
    "                     the Merkle tree, each checkpoint's signature and root hash, and the\n"
    "                     consistency of successive checkpoints\n"
    "  --pubkey KEY       the journal signing key's public half: a PEM file, or a file holding\n"
    "                     a verifier key <name>+<key ID>+<base64 key>\n"
    "  --checkpoint FILE  a checkpoint kept outside the export (by a witness), checked with\n"
    "                     the export's own; may be repeated\n"
    "  Exit status: 0 verified, 1 broken (the first entry or checkpoint that fails is named),\n"
    "  2 the journal could not be checked.\n";

const char* option(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return nullptr;
}

std::vector<std::filesystem::path> options(int argc, char** argv, std::string_view name) {
  std::vector<std::filesystem::path> out;
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) out.emplace_back(argv[++i]);
  }
  return out;
}

int verify_store(const char* file, std::ostream& out, std::ostream& err) {
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

int verify_offline(int argc, char** argv, const char* dir, std::ostream& out, std::ostream& err) {
  const char* pubkey = option(argc, argv, "--pubkey");
  if (pubkey == nullptr) {
    err << "cnss-hub audit verify: --offline needs --pubkey KEY, the key to trust\n" << kUsage;
    return 2;
  }
  auto key = load_log_key(pubkey);
  if (!key) {
    err << "cnss-hub audit verify: " << key.error().message << '\n';
    return 2;
  }
  auto report = verify_export(dir, *key, options(argc, argv, "--checkpoint"));
  if (!report) {
    err << "cnss-hub audit verify: " << report.error().message << '\n';
    return 2;
  }
  if (!report->ok) {
    out << "export broken at " << report->failed << ": " << report->problem << '\n';
    return 1;
  }
  out << "export verified: " << report->entries << " entries, " << report->checkpoints
      << " checkpoint" << (report->checkpoints == 1 ? "" : "s");
  if (report->latest) {
    out << " (the latest: tree size " << report->latest->size << ", root hash "
        << to_hex(report->latest->root) << ")";
  }
  out << '\n';
  if (report->checkpoints == 0) {
    err << "cnss-hub audit verify: no checkpoint: only the hash chain was checked, which a "
           "rewritten journal or a cut tail can pass\n";
  }
  return 0;
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
  if (const char* dir = option(argc, argv, "--offline")) {
    return verify_offline(argc, argv, dir, out, err);
  }
  const char* file = option(argc, argv, "--config");
  if (file == nullptr) {
    err << "cnss-hub audit verify: --config FILE or --offline DIR is required\n" << kUsage;
    return 2;
  }
  return verify_store(file, out, err);
}

}  // namespace hub::audit
