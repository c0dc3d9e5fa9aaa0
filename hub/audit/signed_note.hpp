// C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
// one or more signature lines "— <key name> <base64(4-byte key ID || signature)>". The
// signatures sign the text, final newline included, blank line excluded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/note_signer.hpp"
#include "hub/audit/note_verifier.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

// A checkpoint is a few hundred bytes; the spec asks verifiers to bound a note's size and to
// accept at least 16 signatures (Go's sumdb/note stops at 100).
inline constexpr std::size_t kMaxNoteBytes = 64 * 1024;
inline constexpr std::size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  std::string signature;  // the bytes after the key ID
};

struct Note {
  std::string text;  // ends with '\n': what the signatures sign
  std::vector<NoteSignature> signatures;
};

// The note's parts, signatures unchecked. A note that breaks the format is Errc::invalid_input,
// detail "malformed_note", with the rule it breaks and its line.
Result<Note> parse_note(std::string_view note);

// The note's bytes: text, blank line, one line per signature.
std::string format_note(const Note& note);

// `text` signed by `signer`: a note with one signature. The text must be non-empty, end with a
// newline and follow the note rules (Errc::invalid_input otherwise).
Result<std::string> sign_note(std::string_view text, const NoteSigner& signer);

// The note, once every signature in it by `verifier` (same key name and key ID) verifies.
// Signatures by other keys are ignored, as the spec requires. Refusals: malformed (as
// parse_note), no signature by this key (Errc::unprocessable, detail "unsigned_note", naming the
// keys that did sign), a signature by it that does not verify (Errc::unprocessable, detail
// "signature_invalid").
Result<Note> open_note(std::string_view note, const NoteVerifier& verifier);

}  // namespace hub::audit
