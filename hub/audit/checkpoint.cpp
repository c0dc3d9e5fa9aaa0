#include "hub/audit/checkpoint.hpp"

#include <limits>

#include "hub/audit/base64.hpp"
#include "hub/audit/signed_note.hpp"

namespace hub::audit {
namespace {

Error malformed(std::string why) {
  return make_error(Errc::invalid_input, "malformed checkpoint: " + why, "malformed_checkpoint");
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

Result<std::uint64_t> parse_size(std::string_view s) {
  if (s.empty()) return malformed("line 2: the tree size is empty");
  if (s.size() > 1 && s[0] == '0') {
    return malformed("line 2: the tree size '" + std::string(s) + "' has a leading zero");
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return malformed("line 2: the tree size '" + std::string(s) +
                       "' is not a decimal number (digits only)");
    }
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      return malformed("line 2: the tree size '" + std::string(s) + "' is beyond 2^64 - 1");
    }
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

std::string checkpoint_text(const Checkpoint& c) {
  std::string out =
      c.origin + "\n" + std::to_string(c.size) + "\n" + base64_encode(as_bytes(c.root)) + "\n";
  for (const auto& e : c.extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
  if (text.empty() || text.back() != '\n') return malformed("the text must end with a newline");
  const auto lines = lines_of(text);
  if (lines.size() < 3) {
    return malformed("it has " + std::to_string(lines.size()) +
                     " lines; origin, tree size and root hash are required");
  }
  Checkpoint c;
  if (lines[0].empty()) return malformed("line 1: the origin is empty");
  c.origin = std::string(lines[0]);
  auto size = parse_size(lines[1]);
  if (!size) return size.error();
  c.size = *size;
  auto root = base64_decode(lines[2]);
  if (!root || root->size() != kHashBytes) {
    return malformed("line 3: the root hash is not the base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return malformed("line " + std::to_string(i + 1) + ": an extension line is empty");
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

Result<std::string> sign_checkpoint(const Checkpoint& c, const NoteSigner& signer) {
  if (c.origin != signer.name()) {
    return make_error(
        Errc::invalid_input,
        "the checkpoint's origin '" + c.origin + "' is not the key's name '" + signer.name() + "'",
        "origin_mismatch");
  }
  const std::string text = checkpoint_text(c);
  // What is signed must read back as the same checkpoint: an origin or an extension with a
  // newline in it would make another one.
  auto back = parse_checkpoint_text(text);
  if (!back) return back.error();
  if (back->extensions.size() != c.extensions.size()) {
    return malformed("an extension line holds a newline");
  }
  return sign_note(text, signer);
}

Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier) {
  auto opened = open_note(note, verifier);
  if (!opened) return opened.error();
  auto c = parse_checkpoint_text(opened->text);
  if (!c) return c.error();
  if (c->origin != verifier.name()) {
    return make_error(Errc::unprocessable,
                      "the checkpoint's origin '" + c->origin + "' is not its key's name '" +
                          verifier.name() + "'",
                      "origin_mismatch");
  }
  return c;
}

Result<std::string> checkpoint_origin(std::string_view note) {
  const auto end = note.find('\n');
  if (end == 0 || end == std::string_view::npos) {
    return malformed("line 1: no origin line");
  }
  return std::string(note.substr(0, end));
}

}  // namespace hub::audit
