// `cnss-hub audit verify --export DIR --config FILE`: the configured store's journal as an export
// directory (export_format.hpp), for `audit verify --offline`.
#include <algorithm>

#include "hub/audit/base64.hpp"
#include "hub/audit/cli_commands.hpp"
#include "hub/audit/export_writer.hpp"
#include "hub/audit/note_signer.hpp"

namespace hub::audit::cli {
namespace {

// Writes the entries up to the head, then the checkpoints and time-stamps they cover; returns
// (entries, checkpoints) written.
Result<std::pair<std::int64_t, std::size_t>> write_journal(store::Store& store, ExportWriter& w) {
  // Everything up to this head was committed before the scan begins; later entries are left for
  // the next export, and so are checkpoints beyond it.
  auto head = store.journal_head();
  if (!head) return head.error();
  std::int64_t entries = 0;
  std::optional<Error> failed;
  auto scanned = store.scan_journal(1, [&](const store::JournalEntry& e) {
    if (e.seq > head->seq) return false;
    if (auto r = w.add_entry(e); !r) failed = r.error();
    ++entries;
    return !failed;
  });
  if (!scanned) return scanned.error();
  if (failed) return *failed;
  std::size_t checkpoints = 0;
  auto listed = store.scan_checkpoints([&](const store::StoredCheckpoint& c) {
    if (c.tree_size > head->seq) return false;
    Result<void> r = w.add_checkpoint(c.note);
    if (r && !c.timestamp.empty()) {
      auto der = base64_decode(c.timestamp);
      r = der ? w.add_timestamp(static_cast<std::uint64_t>(c.tree_size), *der)
              : Result<void>(make_error(Errc::internal, "the time-stamp of checkpoint " +
                                                            std::to_string(c.tree_size) +
                                                            " is not stored as base64"));
    }
    if (!r) failed = r.error();
    ++checkpoints;
    return !failed;
  });
  if (!listed) return listed.error();
  if (failed) return *failed;
  if (auto r = w.set_head(*head); !r) return r.error();
  return std::pair{entries, checkpoints};
}

}  // namespace

int export_journal(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const char* dir = option(argc, argv, "--export");
  const char* file = option(argc, argv, "--config");
  if (dir == nullptr || file == nullptr) {
    err << "cnss-hub audit verify: --export DIR needs --config FILE\n";
    return 2;
  }
  auto configured = open_configured(file, "verify --export", err);
  if (!configured) return 2;
  const auto& audit = configured->config.audit;
  std::string public_pem;
  if (audit.checkpoints) {
    auto signer = NoteSigner::from_pem_file(audit.signing_key, audit.origin);
    if (!signer) {
      err << "cnss-hub audit verify --export: audit.signing_key: " << signer.error().message
          << '\n';
      return 2;
    }
    public_pem = signer->verifier().pem();
  }
  auto w = ExportWriter::create(dir);
  if (!w) {
    err << "cnss-hub audit verify --export: " << w.error().message << '\n';
    return 2;
  }
  auto written = write_journal(*configured->store, *w);
  Result<void> done = written ? w->finish() : Result<void>(written.error());
  if (done && !public_pem.empty()) done = w->set_public_key(public_pem);
  if (!done) {
    err << "cnss-hub audit verify --export: " << done.error().message << '\n';
    return 2;
  }
  out << "journal exported to " << dir << ": " << written->first << " entries, " << written->second
      << " checkpoint" << (written->second == 1 ? "" : "s") << '\n';
  if (public_pem.empty()) {
    err << "cnss-hub audit verify --export: no audit: section in " << file
        << ": the public key is not in the export\n";
  }
  return 0;
}

}  // namespace hub::audit::cli
