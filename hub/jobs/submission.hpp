// A bulk prefill job's file read into items (docs/jobs.md "The file"): CSV, one identifier a
// line with an optional header (`cnie` or `ice`), or NDJSON, one object a line ({"cnie": ...} or
// {"ice": ...}). Each identifier is read as people type it and checked as the prefill routes
// check it (hub/identifiers); a bad line is an item in error with its line number and a stable
// code, never the whole file refused.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/store/jobs.hpp"

namespace hub::jobs {

// The item error codes a line can get at submission.
inline constexpr std::string_view kInvalidCnie = "invalid_cnie";
inline constexpr std::string_view kInvalidIce = "invalid_ice";
inline constexpr std::string_view kMalformedLine = "malformed_line";
inline constexpr std::string_view kOtherKind = "other_kind";  // an ICE in a job of CNIEs...

// How the file reads: its kind (person | employer) and the items read so far.
struct Reading {
  std::string kind;
  std::size_t lines = 0;  // lines seen, blank ones included
  std::vector<store::PrefillJobItem> items;
};

// The longest line read as it is (an identifier with its quotes, or an NDJSON object, is far
// shorter): a longer one is an item in error (malformed_line), kept whole neither in memory nor in
// the store.
inline constexpr std::size_t kMaxLineBytes = 1024;

// Reads a file's lines as the file arrives, a piece at a time (a piece may end mid-line: the
// rest of that line is kept for the next one), into reading().items, which the caller stores
// and empties as it goes so that a large file is never held whole. `kind` is the kind of a
// headerless CSV file (person or employer); a header or the first NDJSON object decides
// otherwise.
class FileReader {
 public:
  FileReader(std::string_view kind, std::size_t max_lines);
  // Reads the piece's whole lines. Error payload_too_large/too_many_lines past max_lines.
  Result<void> feed(std::string_view piece);
  // The end of the file: its last line, if it has no newline, is read. Errors: too_many_lines;
  // invalid_input/empty_file when no line held an identifier.
  Result<void> finish();
  Reading& reading() { return out_; }

 private:
  Result<void> read_line(std::string_view raw);
  void keep(std::string_view part);

  std::string kind_asked_;
  std::size_t max_lines_;
  Reading out_;
  std::string cut_;        // the start of a line the last piece ended in
  bool overlong_ = false;  // that line is longer than kMaxLineBytes: dropped to its end
  bool ndjson_ = false;
  bool first_ = true;
  std::size_t identifiers_ = 0;  // lines read as items, valid or not
};

}  // namespace hub::jobs
