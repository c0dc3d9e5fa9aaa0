// `cnss-hub audit prove --entry N --config FILE [--size M]` prints one entry with its inclusion
// proof against a signed checkpoint, for a third party; `cnss-hub audit verify --proof FILE
// --pubkey KEY` is that third party's check.
#include <charconv>

#include "hub/audit/chain.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/cli_commands.hpp"
#include "hub/audit/file_text.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/journal_proofs.hpp"
#include "hub/audit/log_key.hpp"
#include "hub/audit/proof_json.hpp"
#include "hub/audit/proof_verify.hpp"

namespace hub::audit::cli {
namespace {

constexpr std::size_t kMaxProofBytes = 1024 * 1024;

std::optional<std::uint64_t> positive(const char* text) {
  if (text == nullptr) return std::nullopt;
  const std::string_view s(text);
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

Result<store::JournalEntry> entry_at(store::Store& store, std::int64_t seq) {
  std::optional<store::JournalEntry> found;
  auto r = store.scan_journal(seq, [&](const store::JournalEntry& e) {
    if (e.seq == seq) found = e;
    return false;
  });
  if (!r) return r.error();
  if (!found) return make_error(Errc::not_found, "the journal has no entry " + std::to_string(seq));
  return *found;
}

// What fails in a proof, for its reader; nothing when it holds. `signed_by` gets the key's name.
std::optional<std::string> proof_problem(const ReadInclusion& p, const LogKey& key,
                                         std::string& signed_by) {
  const auto& a = p.answer;
  if (!a.checkpoint) return "it holds no checkpoint to check the proof against";
  if (!p.entry) return "it holds no entry";
  auto origin = checkpoint_origin(*a.checkpoint);
  if (!origin) return "its checkpoint: " + origin.error().message;
  auto verifier = key.for_origin(*origin);
  if (!verifier) return "its checkpoint: " + verifier.error().message;
  auto c = open_checkpoint(*a.checkpoint, *verifier);
  if (!c) return "its checkpoint: " + c.error().message;
  signed_by = verifier->name();
  if (c->size != a.tree_size) {
    return "its checkpoint signs tree size " + std::to_string(c->size) + ", the proof is for " +
           std::to_string(a.tree_size);
  }
  const auto& e = *p.entry;
  if (e.seq < 1 || static_cast<std::uint64_t>(e.seq) != a.leaf_index + 1) {
    return "its entry is entry " + std::to_string(e.seq) + ", the proof is for leaf " +
           std::to_string(a.leaf_index) + " (entry " + std::to_string(a.leaf_index + 1) + ")";
  }
  if (e.pruned_ms == 0 && entry_hash(e) != e.entry_hash) {
    return "entry " + std::to_string(e.seq) +
           ": its stored hash does not match its contents (a field was changed)";
  }
  auto leaf = entry_leaf(e);
  if (!leaf) return leaf.error().message;
  if (*leaf != a.leaf_hash) {
    return "entry " + std::to_string(e.seq) + ": its leaf hash is not the one the proof is for";
  }
  if (auto ok = verify_inclusion(*leaf, a.leaf_index, a.tree_size, a.path, c->root); !ok) {
    return "entry " + std::to_string(e.seq) + " is not shown to be in the journal of tree size " +
           std::to_string(a.tree_size) + ": " + ok.error().message;
  }
  return std::nullopt;
}

}  // namespace

int prove(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const auto entry = positive(option(argc, argv, "--entry"));
  const char* file = option(argc, argv, "--config");
  const char* size_text = option(argc, argv, "--size");
  const auto size = positive(size_text);
  if (!entry || file == nullptr || (size_text != nullptr && !size)) {
    err << "cnss-hub audit prove: --entry N (1, 2, ...) and --config FILE are required; "
           "--size M, when given, is a tree size (1, 2, ...)\n";
    return 2;
  }
  auto configured = open_configured(file, "prove", err);
  if (!configured) return 2;
  auto& store = *configured->store;
  auto e = entry_at(store, static_cast<std::int64_t>(*entry));
  if (!e) {
    err << "cnss-hub audit prove: " << e.error().message << '\n';
    return 2;
  }
  JournalProofs proofs(store, configured->config.audit.checkpoint_interval);
  auto a = proofs.inclusion(*entry - 1, size);
  if (!a) {
    err << "cnss-hub audit prove: entry " << *entry << ": " << a.error().message << '\n';
    return 2;
  }
  out << inclusion_to_json(*a, &*e) << '\n';
  return 0;
}

int verify_proof(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const char* file = option(argc, argv, "--proof");
  const char* pubkey = option(argc, argv, "--pubkey");
  if (file == nullptr || pubkey == nullptr) {
    err << "cnss-hub audit verify: --proof FILE needs --pubkey KEY, the key to trust\n";
    return 2;
  }
  auto key = load_log_key(pubkey);
  auto text = read_file_text(file, kMaxProofBytes);
  if (!key || !text) {
    err << "cnss-hub audit verify: " << (key ? text.error() : key.error()).message << '\n';
    return 2;
  }
  auto proof = inclusion_from_json(*text);
  if (!proof) {
    err << "cnss-hub audit verify: " << file << ": " << proof.error().message << '\n';
    return 2;
  }
  std::string signed_by;
  if (auto problem = proof_problem(*proof, *key, signed_by)) {
    out << "proof broken: " << *problem << '\n';
    return 1;
  }
  const auto& a = proof->answer;
  out << "proof verified: entry " << a.leaf_index + 1 << " is in the journal of tree size "
      << a.tree_size << " signed by " << signed_by << '\n';
  return 0;
}

}  // namespace hub::audit::cli
