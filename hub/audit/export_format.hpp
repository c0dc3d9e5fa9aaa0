// The journal's export directory: what `cnss-hub audit verify --offline DIR` reads, with no
// database and no hub configuration (docs/audit.md, "Offline verification").
//
//   DIR/journal.ndjson        every entry, in seq order, one JSON object a line, every stored
//                             field under its column name (export_format.cpp's kFields)
//   DIR/journal-head.json     optional: the chain head row when exported, {"seq": N, "hash": "..."}
//   DIR/checkpoints/<any>     the signed checkpoints (checkpoint.hpp), one a file
//   DIR/timestamps/<size>.tsr optional: the RFC 3161 TimeStampResp (DER) over the checkpoint of
//                             that tree size, byte for byte as the hub stored it
//   DIR/journal-key.pub.pem   the journal signing key's public half, for information only: a
//                             verifier checks against a key it got from elsewhere (--pubkey)
#pragma once

#include <string>
#include <string_view>

#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

inline constexpr std::string_view kExportEntriesFile = "journal.ndjson";
inline constexpr std::string_view kExportHeadFile = "journal-head.json";
inline constexpr std::string_view kExportCheckpointsDir = "checkpoints";
inline constexpr std::string_view kExportTimestampsDir = "timestamps";
inline constexpr std::string_view kExportPublicKeyFile = "journal-key.pub.pem";

enum class EntryFields {
  all,       // every stored field: an exported entry
  contents,  // without seq, prev_hash and entry_hash, which the chain gives when it is written
             // (the local spool, spool.hpp)
};

// One line of journal.ndjson, without its newline: a JSON object with the fields under their
// column names, in the store's column order. Strings are written byte for byte (JSON escapes
// for quotes, backslashes and control characters), so that a line reads back to the very bytes
// the chain hashed.
std::string entry_to_json(const store::JournalEntry& e, EntryFields which = EntryFields::all);

// Reads a line back. Exactly the fields entry_to_json writes, each once, with its type
// (integers for seq, time_ms, latency_us; strings for the rest); anything else is
// Errc::invalid_input, detail "malformed_entry", naming the field.
Result<store::JournalEntry> entry_from_json(std::string_view line,
                                            EntryFields which = EntryFields::all);

std::string head_to_json(const store::JournalHead& head);
Result<store::JournalHead> head_from_json(std::string_view text);

}  // namespace hub::audit
