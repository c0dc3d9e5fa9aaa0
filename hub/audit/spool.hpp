// The journal's local spool: a file of the data folder holding, durably, the entries the store
// has not taken yet. Entries are kept there while the store is down or too slow (so that a request
// is not refused for want of its journal entry: docs/audit.md, "The local spool") and when the hub
// stops with entries unwritten; the next start appends them first. Nothing journaled is dropped.
//
// The file is append-only text, one JSON object a line, owner-only (0600):
//   {"first_ticket":T}  the entries that follow are the appends numbered T, T+1, ... of the run
//                       that wrote them (a run's tickets are journal.hpp's Ticket);
//   {...an entry...}    an entry's contents (export_format.hpp, EntryFields::contents): no seq nor
//                       hashes (given when the store takes it) and no identifier in clear;
//   {"written":W}       the entries numbered W and below are in the store.
// A file with no first_ticket line (written by an older hub) starts at 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// The spool's lines for entries numbered first, first + 1, ...: what SpoolFile::append takes.
std::string spool_chunk(std::uint64_t first,
                        const std::vector<const store::JournalEntry*>& entries);

// The entries a spool holds that are not marked written, in their order (each once); none when
// there is no file. A last line cut short (the hub killed while appending it, before the append
// was synced, hence before any request was answered on it) is ignored. Any other line that is not
// a spool line fails the whole load with its line number (the file is left as it is).
Result<std::vector<store::JournalEntry>> load_spool(const std::string& path);

// Replaces the file at `path` whole with these entries, numbered from 1: a temporary file created
// owner-only, synced, then renamed over it, and the folder synced.
Result<void> replace_spool(const std::string& path,
                           const std::vector<store::JournalEntry>& entries);

// The spool as one run appends to it. Not thread-safe: the journal serialises its calls.
class SpoolFile {
 public:
  explicit SpoolFile(std::string path) : path_(std::move(path)) {}
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  const std::string& path() const { return path_; }
  // Appends spool_chunk() text and syncs it (fdatasync): once this returns, the entries survive
  // the process and the machine stopping. Creates the file (0600) when it is absent.
  Result<void> append(const std::string& chunk);
  // Appends {"written":W}, not synced: a marker lost with the machine makes the next start append
  // those entries a second time (docs/audit.md), never lose them.
  void mark_written(std::uint64_t ticket);
  // Deletes the file: every entry in it is in the store.
  void remove();

 private:
  Result<void> open_for_append();
  std::string path_;
  int fd_ = -1;
};

}  // namespace hub::audit
