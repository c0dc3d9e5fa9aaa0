// A public key that checks signed notes: an Ed25519 key (RFC 8032) under a key name, with the key
// ID of c2sp.org/signed-note ("Ed25519 signatures"): the first four bytes, big-endian, of
// SHA-256(key name || 0x0A || 0x01 || 32-byte public key). Verification goes through OpenSSL's
// EVP interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hub/core/error.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace hub::audit {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;

std::uint32_t ed25519_key_id(std::string_view name, std::string_view public_key);

// The 32 bytes of a PEM Ed25519 public key ("-----BEGIN PUBLIC KEY-----"); Errc::invalid_input
// for anything else.
Result<std::string> pem_public_key(std::string_view pem);

class NoteVerifier {
 public:
  // 32 raw bytes. Errc::invalid_input for another length, or a name that is not a key name
  // (note_text.hpp).
  static Result<NoteVerifier> from_raw(std::string_view public_key, std::string name);
  // A PEM public key ("-----BEGIN PUBLIC KEY-----", what `openssl pkey -pubout` writes) that
  // must be Ed25519.
  static Result<NoteVerifier> from_pem(std::string_view pem, std::string name);
  static Result<NoteVerifier> from_pem_file(const std::string& path, std::string name);
  // The public half of an OpenSSL key (public or private) that must be Ed25519.
  static Result<NoteVerifier> from_evp(EVP_PKEY* key, std::string name);
  // A verifier key "<name>+<key ID, 8 lower-case hex digits>+<base64(0x01 || public key)>", as
  // golang.org/x/mod/sumdb/note and the C2SP tools write them; the key ID must match.
  static Result<NoteVerifier> from_vkey(std::string_view vkey);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const std::string& public_key() const { return raw_; }
  // This key as a verifier key (the from_vkey() format), for witnesses and partners.
  std::string vkey() const;
  // This key as a PEM public key ("-----BEGIN PUBLIC KEY-----", what from_pem() reads).
  std::string pem() const;

  // Whether `signature` (the 64 bytes after the key ID) is this key's signature of `text`.
  bool verify(std::string_view text, std::string_view signature) const;

 private:
  NoteVerifier() = default;

  std::string name_;
  std::uint32_t key_id_ = 0;
  std::string raw_;
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace hub::audit
