// `cnss-hub audit ...`: verify (the store's chain, an export offline, a proof), export, prove,
// witness (cli_commands.hpp).
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "hub/audit/cli_commands.hpp"
#include "hub/audit/journal.hpp"
#include "hub/audit/log_key.hpp"
#include "hub/audit/offline_verify.hpp"
#include "hub/config/config.hpp"
#include "hub/core/version.hpp"

namespace hub::audit {
namespace {

constexpr const char* kUsage =
    "Usage: cnss-hub audit verify --config FILE\n"
    "       cnss-hub audit verify --offline DIR --pubkey KEY [--checkpoint FILE]... [--tsa-ca "
    "FILE]\n"
    "       cnss-hub audit verify --export DIR --config FILE\n"
    "       cnss-hub audit verify --proof FILE --pubkey KEY\n"
    "       cnss-hub audit prove --entry N --config FILE [--size M]\n"
    "       cnss-hub audit witness --url URL --cert FILE --key FILE --ca FILE --pubkey KEY\n"
    "                              --state FILE\n"
    "  verify --config FILE  recompute the hash chain of the journal in the configured store\n"
    "  verify --offline DIR  check a journal export (docs/audit.md, \"Offline verification\")\n"
    "                        without the database or the hub's configuration: the hash chain,\n"
    "                        the Merkle tree, each checkpoint's signature and root hash, and the\n"
    "                        consistency of successive checkpoints\n"
    "    --pubkey KEY        the journal signing key's public half: a PEM file, or a file holding\n"
    "                        a verifier key <name>+<key ID>+<base64 key>\n"
    "    --checkpoint FILE   a checkpoint kept outside the export (by a witness), checked with\n"
    "                        the export's own; may be repeated\n"
    "    --tsa-ca FILE       the TSA's CA certificates: check the RFC 3161 time-stamps too\n"
    "  verify --export DIR   write the configured store's journal, checkpoints, time-stamps and\n"
    "                        public key into DIR (new or empty), for verify --offline\n"
    "  verify --proof FILE   check what `audit prove` printed: the checkpoint's signature, the\n"
    "                        entry's leaf and its inclusion proof\n"
    "  prove --entry N       print entry N with its inclusion proof against the latest checkpoint\n"
    "                        (or the one of tree size M), for a third party (JSON)\n"
    "  witness               fetch the hub's latest checkpoint (URL: its journal API, e.g.\n"
    "                        https://hub:9443/partner/v1/journal, over mutual TLS), check it\n"
    "                        extends the one kept in --state, and keep it (docs/audit.md)\n"
    "  Exit status: 0 verified (or done), 1 broken: the first entry or checkpoint that fails is\n"
    "  named (witness: the hub showed a fork, or a smaller tree), 2 could not be checked.\n";

}  // namespace

namespace cli {

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

std::optional<Configured> open_configured(const char* file, std::string_view command,
                                          std::ostream& err) {
  auto loaded = config::load_hub_config(file, false);
  if (!loaded.config) {
    for (const auto& p : loaded.problems) err << p.to_string() << '\n';
    return std::nullopt;
  }
  const auto& s = loaded.config->store;
  // Opening a missing SQLite file would create an empty journal and call it verified.
  if (s.engine == "sqlite" && !std::filesystem::exists(s.path)) {
    err << "cnss-hub audit " << command << ": no database at " << s.path << " (store.path in "
        << file << ")\n";
    return std::nullopt;
  }
  auto store = store::open({s.engine, s.path, s.url, s.pool_size});
  if (!store) {
    err << "cnss-hub audit " << command << ": cannot open the store: " << store.error().message
        << '\n';
    return std::nullopt;
  }
  return Configured{std::move(*loaded.config), std::move(*store)};
}

}  // namespace cli

namespace {

using cli::option;
using cli::options;

int verify_store(const char* file, std::ostream& out, std::ostream& err) {
  auto configured = cli::open_configured(file, "verify", err);
  if (!configured) return 2;
  auto& store = configured->store;
  auto report = verify_journal(*store);
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
  const char* tsa_ca = option(argc, argv, "--tsa-ca");
  auto report = verify_export(dir, *key, options(argc, argv, "--checkpoint"),
                              tsa_ca ? std::optional<std::string>(tsa_ca) : std::nullopt);
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
  if (report->pruned > 0) out << "; " << report->pruned << " pruned by retention";
  if (report->timestamps > 0) out << "; " << report->timestamps << " RFC 3161 time-stamps";
  out << '\n';
  if (report->timestamps_unchecked > 0) {
    err << "cnss-hub audit verify: " << report->timestamps_unchecked
        << " RFC 3161 time-stamps not checked: give --tsa-ca FILE\n";
  }
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
  const std::string_view command = argc < 2 ? "" : argv[1];
  if (command == "prove") return cli::prove(argc - 1, argv + 1, out, err);
  if (command == "witness") return cli::witness(argc - 1, argv + 1, out, err);
  if (command != "verify") {
    err << kUsage;
    return 2;
  }
  if (const char* dir = option(argc, argv, "--offline")) {
    return verify_offline(argc, argv, dir, out, err);
  }
  if (option(argc, argv, "--export")) return cli::export_journal(argc, argv, out, err);
  if (option(argc, argv, "--proof")) return cli::verify_proof(argc, argv, out, err);
  const char* file = option(argc, argv, "--config");
  if (file == nullptr) {
    err << "cnss-hub audit verify: --config FILE or --offline DIR is required\n" << kUsage;
    return 2;
  }
  return verify_store(file, out, err);
}

}  // namespace hub::audit
