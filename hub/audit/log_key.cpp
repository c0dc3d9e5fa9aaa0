#include "hub/audit/log_key.hpp"

#include "hub/audit/file_text.hpp"

namespace hub::audit {

Result<NoteVerifier> LogKey::for_origin(const std::string& origin) const {
  if (name && *name != origin) {
    return make_error(Errc::unprocessable,
                      "its origin '" + origin + "' is not the key's name '" + *name + "'",
                      "origin_mismatch");
  }
  return NoteVerifier::from_raw(public_key, origin);
}

Result<LogKey> load_log_key(const std::string& path) {
  auto text = read_file_text(path, 16 * 1024);
  if (!text) return text.error();
  if (text->rfind("-----BEGIN", 0) == 0) {
    auto raw = pem_public_key(*text);
    if (!raw) return make_error(Errc::invalid_input, path + ": " + raw.error().message);
    return LogKey{std::move(*raw), std::nullopt};
  }
  std::string line = *text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  auto v = NoteVerifier::from_vkey(line);
  if (!v) {
    return make_error(
        Errc::invalid_input,
        path + ": neither a PEM public key nor a verifier key (" + v.error().message + ")");
  }
  return LogKey{v->public_key(), v->name()};
}

}  // namespace hub::audit
