// The journal's signing key: an Ed25519 private key (RFC 8032) under a key name, that signs
// notes (c2sp.org/signed-note) through OpenSSL's EVP interface. The hub's key name is its log's
// origin (c2sp.org/tlog-checkpoint: "The log's key name in its signature line SHOULD match the
// origin line").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hub/audit/note_verifier.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

class NoteSigner {
 public:
  // A PKCS#8 private key in PEM (a "PRIVATE KEY" block: what `openssl genpkey -algorithm
  // ed25519` writes) that must be Ed25519.
  static Result<NoteSigner> from_pem(std::string_view pem, std::string name);
  // As from_pem, from a file only its owner may read (Errc::forbidden otherwise: chmod 600).
  static Result<NoteSigner> from_pem_file(const std::string& path, std::string name);
  // The 32-byte private key of RFC 8032 5.1.5 (the "seed").
  static Result<NoteSigner> from_seed(std::string_view seed, std::string name);

  const std::string& name() const { return verifier_.name(); }
  std::uint32_t key_id() const { return verifier_.key_id(); }
  // The public half, under the same name.
  const NoteVerifier& verifier() const { return verifier_; }

  // The Ed25519 signature of `text`: 64 bytes. Ed25519 is deterministic: one text, one signature.
  Result<std::string> sign(std::string_view text) const;

 private:
  NoteSigner(std::shared_ptr<EVP_PKEY> key, NoteVerifier verifier)
      : key_(std::move(key)), verifier_(std::move(verifier)) {}
  static Result<NoteSigner> from_key(EVP_PKEY* key, std::string name);

  std::shared_ptr<EVP_PKEY> key_;
  NoteVerifier verifier_;
};

}  // namespace hub::audit
