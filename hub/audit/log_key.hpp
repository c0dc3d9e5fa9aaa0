// The key a verifier trusts for the journal's checkpoints, as given on the command line
// (`--pubkey FILE`): a PEM Ed25519 public key (what certs/make-dev-pki.sh writes to
// journal/signing.pub.pem), or a verifier key line "<name>+<key ID>+<base64 key>"
// (note_verifier.hpp). A PEM key carries no name: the checkpoints' origin is taken as the key name
// (the hub signs with key name = origin), and the key ID computed from it.
#pragma once

#include <optional>
#include <string>

#include "hub/audit/note_verifier.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

struct LogKey {
  std::string public_key;           // 32 bytes
  std::optional<std::string> name;  // from a verifier key; none from a PEM key

  // The verifier of checkpoints whose origin is `origin`: Errc::unprocessable, detail
  // "origin_mismatch", when the key has another name.
  Result<NoteVerifier> for_origin(const std::string& origin) const;
};

Result<LogKey> load_log_key(const std::string& path);

}  // namespace hub::audit
