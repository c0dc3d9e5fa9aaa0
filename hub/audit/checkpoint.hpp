// Checkpoints in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint): a signed note whose
// text is the log's origin, the tree size in decimal, the base64 root hash (RFC 9162 2.1.1
// MTH), then optional extension lines:
//
//   cnss.ma/exchange-hub/journal
//   130
//   <base64 of the 32-byte root hash>
//
//   — cnss.ma/exchange-hub/journal <base64(key ID || Ed25519 signature)>
//
// The hub signs with key name = origin. Extension lines are allowed by the format but "NOT
// RECOMMENDED, as they are not auditable by log monitors"; where the hub adds one (the time it
// signed, if the store integration does), verifiers treat it as opaque.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/note_signer.hpp"
#include "hub/audit/note_verifier.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // each non-empty, without its newline
};

// The note text of a checkpoint (every line ends with a newline).
std::string checkpoint_text(const Checkpoint& c);

// Reads a checkpoint's note text. Anything that breaks the format is Errc::invalid_input, detail
// "malformed_checkpoint", naming the line and the rule: fewer than three lines, an empty origin,
// a size with a sign, a leading zero, a non-digit or beyond 2^64 - 1, a root that is not the
// canonical base64 of 32 bytes, an empty extension line.
Result<Checkpoint> parse_checkpoint_text(std::string_view text);

// The signed checkpoint (a note). The origin must be the signer's key name.
Result<std::string> sign_checkpoint(const Checkpoint& c, const NoteSigner& signer);

// Verifies the note's signature by `verifier` (signed_note.hpp's open_note), then reads its text
// as a checkpoint whose origin must be the key's name (detail "origin_mismatch" otherwise).
Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier);

// The origin line of a checkpoint note, before anything is verified: which log it claims to be
// from, to choose the key to check it with. Errc::invalid_input when there is none.
Result<std::string> checkpoint_origin(std::string_view note);

}  // namespace hub::audit
