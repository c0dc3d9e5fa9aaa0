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

// Reads the file's lines into `out`, handing full chunks of `chunk` items to `flush` (which
// empties out.items) so that a large file is never held whole as items. `kind` is the kind of a
// headerless CSV file (person or employer); a header or the first NDJSON object decides
// otherwise. Errors: payload_too_large/too_many_lines past max_lines; invalid_input/empty_file
// when no line holds an identifier; what flush returns.
Result<void> read_identifiers(std::string_view body, std::string_view kind, std::size_t max_lines,
                              std::size_t chunk, Reading& out,
                              const std::function<Result<void>(Reading&)>& flush);

}  // namespace hub::jobs
