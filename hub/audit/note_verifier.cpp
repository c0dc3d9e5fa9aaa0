#include "hub/audit/note_verifier.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstdio>

#include "hub/audit/base64.hpp"
#include "hub/audit/file_text.hpp"
#include "hub/audit/note_text.hpp"

namespace hub::audit {
namespace {

constexpr unsigned char kEd25519Type = 0x01;  // c2sp.org/signed-note, "Signature types"
constexpr std::size_t kMaxPemBytes = 16 * 1024;

Error bad_key(std::string message) {
  return make_error(Errc::invalid_input, std::move(message), "bad_verifier_key");
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

std::uint32_t ed25519_key_id(std::string_view name, std::string_view public_key) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(kEd25519Type);
  input += public_key;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(input.data(), input.size(), md, &n, EVP_sha256(), nullptr);
  return std::uint32_t{md[0]} << 24 | std::uint32_t{md[1]} << 16 | std::uint32_t{md[2]} << 8 |
         std::uint32_t{md[3]};
}

Result<NoteVerifier> NoteVerifier::from_raw(std::string_view public_key, std::string name) {
  if (!is_valid_key_name(name)) {
    return bad_key("'" + name + "' is not a key name (non-empty, no space, no '+')");
  }
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return bad_key("an Ed25519 public key has 32 bytes, not " + std::to_string(public_key.size()));
  }
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size());
  if (k == nullptr) return bad_key("OpenSSL refused the Ed25519 public key");
  NoteVerifier v;
  v.key_.reset(k, EVP_PKEY_free);
  v.raw_ = std::string(public_key);
  v.key_id_ = ed25519_key_id(name, public_key);
  v.name_ = std::move(name);
  return v;
}

namespace {

Result<std::string> raw_public_key(EVP_PKEY* key) {
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    return bad_key(std::string("the key is ") + OBJ_nid2sn(EVP_PKEY_get_id(key)) +
                   ", not Ed25519 (make one with: openssl genpkey -algorithm ed25519)");
  }
  std::string raw(kEd25519PublicKeyBytes, '\0');
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != raw.size()) {
    return bad_key("cannot read the Ed25519 public key's bytes");
  }
  return raw;
}

}  // namespace

Result<std::string> pem_public_key(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return make_error(Errc::internal, "out of memory reading a PEM key");
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr) return bad_key("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  auto raw = raw_public_key(k);
  EVP_PKEY_free(k);
  return raw;
}

Result<NoteVerifier> NoteVerifier::from_evp(EVP_PKEY* key, std::string name) {
  auto raw = raw_public_key(key);
  if (!raw) return raw.error();
  return from_raw(*raw, std::move(name));
}

Result<NoteVerifier> NoteVerifier::from_pem(std::string_view pem, std::string name) {
  auto raw = pem_public_key(pem);
  if (!raw) return raw.error();
  return from_raw(*raw, std::move(name));
}

Result<NoteVerifier> NoteVerifier::from_pem_file(const std::string& path, std::string name) {
  auto pem = read_file_text(path, kMaxPemBytes);
  if (!pem) return pem.error();
  auto v = from_pem(*pem, std::move(name));
  if (!v) return bad_key(path + ": " + v.error().message);
  return v;
}

Result<NoteVerifier> NoteVerifier::from_vkey(std::string_view vkey) {
  // The name has no '+'; the base64 may have some.
  const auto first = vkey.find('+');
  const auto second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) {
    return bad_key("a verifier key is <name>+<key ID>+<base64 key>");
  }
  const std::string name(vkey.substr(0, first));
  const auto id = vkey.substr(first + 1, second - first - 1);
  auto key = base64_decode(vkey.substr(second + 1));
  if (!key || key->empty()) return bad_key("the verifier key's key is not base64");
  if (static_cast<unsigned char>((*key)[0]) != kEd25519Type) {
    return bad_key("the verifier key is not an Ed25519 key (signature type " +
                   std::to_string(static_cast<unsigned char>((*key)[0])) + ", not 1)");
  }
  auto v = from_raw(std::string_view(*key).substr(1), name);
  if (!v) return v.error();
  if (id != hex8(v->key_id())) {
    return bad_key("the verifier key's key ID " + std::string(id) + " is not its key's (" +
                   hex8(v->key_id()) + ")");
  }
  return v;
}

std::string NoteVerifier::vkey() const {
  std::string typed(1, static_cast<char>(kEd25519Type));
  typed += raw_;
  return name_ + "+" + hex8(key_id_) + "+" + base64_encode(typed);
}

std::string NoteVerifier::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio != nullptr && key_ && PEM_write_bio_PUBKEY(bio, key_.get()) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<std::size_t>(n));
  }
  BIO_free(bio);
  return out;
}

bool NoteVerifier::verify(std::string_view text, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes || !key_) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace hub::audit
