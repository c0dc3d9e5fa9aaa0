#include "hub/audit/signed_note.hpp"

#include <cstdio>

#include "hub/audit/base64.hpp"
#include "hub/audit/note_text.hpp"

namespace hub::audit {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

Error malformed(std::string why) {
  return make_error(Errc::invalid_input, "malformed note: " + why, "malformed_note");
}

std::string line_of(std::string_view note, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < note.size(); ++i) line += note[i] == '\n';
  return "line " + std::to_string(line);
}

std::string key_label(std::string_view name, std::uint32_t id) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", id);
  return std::string(name) + "+" + hex;
}

Result<NoteSignature> parse_signature_line(std::string_view line, const std::string& where) {
  if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return malformed(where + ": a signature line starts with an em dash (U+2014) and a space");
  }
  line.remove_prefix(kSignaturePrefix.size());
  const auto space = line.find(' ');
  if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
    return malformed(where +
                     ": a signature line is '— <key name> <base64 signature>', and a key name "
                     "has no space");
  }
  NoteSignature s;
  s.name = std::string(line.substr(0, space));
  if (!is_valid_key_name(s.name)) {
    return malformed(where + ": '" + s.name + "' is not a key name (no space, no '+')");
  }
  auto bytes = base64_decode(line.substr(space + 1));
  if (!bytes) return malformed(where + ": the signature is not canonical base64");
  if (bytes->size() < 5) return malformed(where + ": the signature is shorter than its key ID");
  for (int i = 0; i < 4; ++i) s.key_id = s.key_id << 8 | static_cast<unsigned char>((*bytes)[i]);
  s.signature = bytes->substr(4);
  return s;
}

}  // namespace

Result<Note> parse_note(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return malformed("larger than " + std::to_string(kMaxNoteBytes) + " bytes");
  }
  if (auto problem = note_text_problem(note)) return malformed(*problem);
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return malformed("no blank line between the text and the signatures");
  }
  Note out;
  out.text = std::string(note.substr(0, split + 1));
  std::size_t at = split + 2;
  if (at == note.size()) return malformed("no signature line after the blank line");
  if (note.back() != '\n') return malformed(line_of(note, note.size()) + ": no final newline");
  while (at < note.size()) {
    const auto end = note.find('\n', at);
    if (out.signatures.size() == kMaxNoteSignatures) {
      return malformed("more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    auto sig = parse_signature_line(note.substr(at, end - at), line_of(note, at));
    if (!sig) return sig.error();
    out.signatures.push_back(std::move(*sig));
    at = end + 1;
  }
  return out;
}

std::string format_note(const Note& note) {
  std::string out = note.text;
  out += '\n';
  for (const auto& s : note.signatures) {
    std::string bytes;
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>(s.key_id >> shift);
    bytes += s.signature;
    out += kSignaturePrefix;
    out += s.name;
    out += ' ';
    out += base64_encode(bytes);
    out += '\n';
  }
  return out;
}

Result<std::string> sign_note(std::string_view text, const NoteSigner& signer) {
  if (text.empty() || text.back() != '\n') return malformed("the text must end with a newline");
  if (auto problem = note_text_problem(text)) return malformed(*problem);
  auto sig = signer.sign(text);
  if (!sig) return sig.error();
  return format_note({std::string(text), {{signer.name(), signer.key_id(), std::move(*sig)}}});
}

Result<Note> open_note(std::string_view note, const NoteVerifier& verifier) {
  auto parsed = parse_note(note);
  if (!parsed) return parsed.error();
  bool signed_by_key = false;
  std::string others;
  for (const auto& s : parsed->signatures) {
    if (s.name != verifier.name() || s.key_id != verifier.key_id()) {
      others += (others.empty() ? "" : ", ") + key_label(s.name, s.key_id);
      continue;
    }
    if (!verifier.verify(parsed->text, s.signature)) {
      return make_error(Errc::unprocessable,
                        "the signature by " + key_label(s.name, s.key_id) +
                            " does not verify: the text or the signature was changed",
                        "signature_invalid");
    }
    signed_by_key = true;
  }
  if (!signed_by_key) {
    return make_error(Errc::unprocessable,
                      "no signature by " + key_label(verifier.name(), verifier.key_id()) +
                          " (signed by: " + (others.empty() ? "nobody" : others) + ")",
                      "unsigned_note");
  }
  return parsed;
}

}  // namespace hub::audit
