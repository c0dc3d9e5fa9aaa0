#include "hub/audit/offline_verify.hpp"

#include <algorithm>
#include <fstream>

#include "hub/audit/chain.hpp"
#include "hub/audit/export_format.hpp"
#include "hub/audit/file_text.hpp"
#include "hub/audit/journal_leaf.hpp"
#include "hub/audit/proof_verify.hpp"
#include "hub/audit/signed_note.hpp"
#include "hub/audit/timestamp.hpp"

namespace hub::audit {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxEntryLine = 1024 * 1024;
constexpr std::size_t kMaxTimestampBytes = 256 * 1024;

std::string entries_between(std::uint64_t first, std::uint64_t last) {
  return first == last ? "entry " + std::to_string(first)
                       : "entries " + std::to_string(first) + " to " + std::to_string(last);
}

}  // namespace

OfflineVerifier::OfflineVerifier(LogKey key)
    : key_(std::move(key)), tree_(nodes_), prev_hash_(store::kGenesisHash) {}

void OfflineVerifier::fail_entry(std::int64_t seq, std::string problem) {
  report_.ok = false;
  report_.failed = "entry " + std::to_string(seq);
  report_.failed_entry = seq;
  report_.problem = std::move(problem);
}

void OfflineVerifier::fail_checkpoint(const std::string& source, std::string problem) {
  report_.ok = false;
  report_.failed = "checkpoint " + source;
  report_.failed_checkpoint = source;
  report_.problem = std::move(problem);
}

void OfflineVerifier::add_checkpoint(const std::string& source, std::string_view note) {
  if (!report_.ok) return;
  auto origin = checkpoint_origin(note);
  if (!origin) return fail_checkpoint(source, origin.error().message);
  if (origin_ && *origin != *origin_) {
    return fail_checkpoint(source, "its origin '" + *origin + "' is not the other checkpoints' '" +
                                       *origin_ + "': it is another log's");
  }
  auto verifier = key_.for_origin(*origin);
  if (!verifier) return fail_checkpoint(source, verifier.error().message);
  auto c = open_checkpoint(note, *verifier);
  if (!c) return fail_checkpoint(source, c.error().message);
  origin_ = *origin;
  auto [it, added] = signed_.try_emplace(c->size, Signed{source, *c});
  if (!added && it->second.checkpoint.root != c->root) {
    return fail_checkpoint(source, "fork: it and " + it->second.source +
                                       " are both signed for tree size " + std::to_string(c->size) +
                                       " with different root hashes (" + to_hex(c->root) + ", " +
                                       to_hex(it->second.checkpoint.root) +
                                       "): the log showed two different journals");
  }
}

void OfflineVerifier::add_unreadable_entry(std::size_t line, const std::string& why) {
  if (!report_.ok) return;
  fail_entry(static_cast<std::int64_t>(tree_.size() + 1), "line " + std::to_string(line) + " of " +
                                                              std::string(kExportEntriesFile) +
                                                              " cannot be read: " + why);
}

void OfflineVerifier::add_entry(const store::JournalEntry& e) {
  if (!report_.ok) return;
  if (tree_.size() == 0) check_checkpoint_at(0);
  if (!report_.ok) return;
  if (auto broken = check_link(e, static_cast<std::int64_t>(tree_.size() + 1), prev_hash_)) {
    return fail_entry(broken->seq, std::move(broken->problem));
  }
  auto leaf = entry_leaf(e);
  if (!leaf) return fail_entry(e.seq, leaf.error().message);
  if (e.pruned_ms > 0) ++report_.pruned;
  if (auto appended = tree_.append({&*leaf, 1}); !appended) {
    return fail_entry(e.seq, "the Merkle tree could not be rebuilt: " + appended.error().message);
  }
  prev_hash_ = e.entry_hash;
  report_.entries = tree_.size();
  check_checkpoint_at(tree_.size());
}

void OfflineVerifier::check_checkpoint_at(std::uint64_t size) {
  const auto it = signed_.find(size);
  if (it == signed_.end()) return;
  const auto& [source, c] = it->second;
  // The entries since the last checkpoint that matched are the ones that can have changed.
  const std::uint64_t from = last_matched_ ? last_matched_->checkpoint.size + 1 : 1;
  if (c.root != tree_.root()) {
    return fail_checkpoint(source, "its root hash is not the root of the journal's first " +
                                       std::to_string(size) + " entries: one of " +
                                       entries_between(from, size) +
                                       " was changed, removed, reordered or rewritten after it "
                                       "was signed");
  }
  if (last_matched_) {
    const auto& prev = last_matched_->checkpoint;
    auto proof = tree_.consistency_proof(prev.size, size);
    Result<void> consistent = proof.has_error()
                                  ? Result<void>(proof.error())
                                  : verify_consistency(prev.size, size, *proof, prev.root, c.root);
    if (!consistent) {
      return fail_checkpoint(source, "not consistent with " + last_matched_->source + ": " +
                                         consistent.error().message);
    }
  }
  last_matched_ = it->second;
  report_.latest = c;
  ++report_.checkpoints;
}

void OfflineVerifier::fail_head(std::string problem) {
  report_.ok = false;
  report_.failed = "journal head";
  report_.problem = std::move(problem);
}

void OfflineVerifier::add_timestamp(const std::string& source, const Result<void>& checked) {
  if (!report_.ok) return;
  if (!checked) return fail_checkpoint(source, checked.error().message);
  ++report_.timestamps;
}

void OfflineVerifier::add_unreadable_head(const std::string& why) {
  if (report_.ok) fail_head(std::string(kExportHeadFile) + " cannot be read: " + why);
}

void OfflineVerifier::finish(const std::optional<store::JournalHead>& head) {
  if (!report_.ok) return;
  if (tree_.size() == 0) check_checkpoint_at(0);
  if (!report_.ok) return;
  const auto n = static_cast<std::int64_t>(tree_.size());
  if (head && head->seq != n) {
    return fail_head("the head records entry " + std::to_string(head->seq) +
                     ", the journal ends at entry " + std::to_string(n));
  }
  if (head && head->hash != prev_hash_) {
    return fail_head("the head's hash is not the hash of entry " + std::to_string(n));
  }
  const auto beyond = signed_.upper_bound(tree_.size());
  if (beyond != signed_.end()) {
    const auto& [source, c] = beyond->second;
    fail_checkpoint(source, "it signs a journal of " + std::to_string(c.size) +
                                " entries, but the export holds " + std::to_string(n) + ": " +
                                entries_between(tree_.size() + 1, c.size) +
                                " were cut from the end");
  }
}

namespace {

Result<std::vector<fs::path>> checkpoint_files(const fs::path& dir,
                                               const std::vector<fs::path>& extra) {
  std::vector<fs::path> files;
  std::error_code ec;
  const fs::path folder = dir / kExportCheckpointsDir;
  if (fs::exists(folder, ec)) {
    for (const auto& entry : fs::directory_iterator(folder, ec)) files.push_back(entry.path());
    if (ec)
      return make_error(Errc::internal, "cannot list " + folder.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  files.insert(files.end(), extra.begin(), extra.end());
  return files;
}

// Adds every checkpoint; a file that cannot be read at all is an error, one too large a report.
Result<void> add_checkpoints(OfflineVerifier& v, const std::vector<fs::path>& files) {
  for (const auto& f : files) {
    auto note = read_file_text(f.string(), kMaxNoteBytes);
    if (!note && note.error().code != Errc::invalid_input) return note.error();
    if (!note) {
      v.add_checkpoint(f.string(), note.error().message);
      continue;
    }
    v.add_checkpoint(f.string(), *note);
  }
  return {};
}

enum class LineRead { line, end, too_long };

// std::getline without a bound would hold a line of any length in memory.
LineRead read_line(std::streambuf& in, std::string& line) {
  line.clear();
  for (int c = in.sbumpc(); c != std::char_traits<char>::eof(); c = in.sbumpc()) {
    if (c == '\n') return LineRead::line;
    if (line.size() == kMaxEntryLine) return LineRead::too_long;
    line.push_back(static_cast<char>(c));
  }
  return line.empty() ? LineRead::end : LineRead::line;
}

Result<std::optional<store::JournalHead>> read_head(OfflineVerifier& v, const fs::path& dir) {
  const fs::path file = dir / kExportHeadFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<store::JournalHead>{};
  auto text = read_file_text(file.string(), 4096);
  if (!text) return text.error();
  auto head = head_from_json(*text);
  if (!head) {
    v.add_unreadable_head(head.error().message);
    return std::optional<store::JournalHead>{};
  }
  return std::optional<store::JournalHead>(*head);
}

// Each timestamps/<size>.tsr against checkpoints/<size>.checkpoint, with the TSA's CA; without
// it, only counted.
Result<void> add_timestamps(OfflineVerifier& v, const fs::path& dir,
                            const std::optional<std::string>& tsa_ca) {
  const fs::path folder = dir / kExportTimestampsDir;
  std::error_code ec;
  if (!fs::exists(folder, ec)) return {};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (!tsa_ca) {
      v.add_unchecked_timestamp();
      continue;
    }
    const auto size = f.stem().string();
    const fs::path checkpoint = dir / kExportCheckpointsDir / (size + ".checkpoint");
    const std::string source = checkpoint.string();
    auto note = read_file_text(checkpoint.string(), kMaxNoteBytes);
    auto der = read_file_text(f.string(), kMaxTimestampBytes);
    if (!der) return der.error();
    Result<void> checked;
    if (!note) {
      checked = make_error(Errc::unprocessable, "a time-stamp (" + f.string() +
                                                    ") stamps a checkpoint the export does not "
                                                    "hold: " +
                                                    note.error().message);
    } else if (auto t = verify_timestamp(*der, *note, *tsa_ca); !t) {
      checked = make_error(Errc::unprocessable, "its RFC 3161 time-stamp (" + f.string() +
                                                    ") does not verify: " + t.error().message);
    }
    v.add_timestamp(source, checked);
  }
  return {};
}

}  // namespace

Result<OfflineReport> verify_export(const fs::path& dir, const LogKey& key,
                                    const std::vector<fs::path>& extra_checkpoints,
                                    const std::optional<std::string>& tsa_ca) {
  OfflineVerifier v(key);
  auto files = checkpoint_files(dir, extra_checkpoints);
  if (!files) return files.error();
  if (auto added = add_checkpoints(v, *files); !added) return added.error();
  if (auto stamped = add_timestamps(v, dir, tsa_ca); !stamped) return stamped.error();

  const fs::path journal = dir / kExportEntriesFile;
  std::ifstream in(journal, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open " + journal.string());
  std::string line;
  for (std::size_t number = 1; v.report().ok; ++number) {
    const LineRead got = read_line(*in.rdbuf(), line);
    if (got == LineRead::end) break;
    if (got == LineRead::too_long) {
      v.add_unreadable_entry(number, "longer than " + std::to_string(kMaxEntryLine) + " bytes");
      break;
    }
    auto e = entry_from_json(line);
    if (!e) {
      v.add_unreadable_entry(number, e.error().message);
      break;
    }
    v.add_entry(*e);
  }
  auto head = read_head(v, dir);
  if (!head) return head.error();
  v.finish(*head);
  return v.report();
}

}  // namespace hub::audit
