#include "hub/audit/note_signer.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hub/audit/file_text.hpp"

namespace hub::audit {
namespace {

constexpr std::size_t kMaxPemBytes = 16 * 1024;
constexpr std::size_t kSeedBytes = 32;

Error bad_key(std::string message) {
  return make_error(Errc::invalid_input, std::move(message), "bad_signing_key");
}

}  // namespace

Result<NoteSigner> NoteSigner::from_key(EVP_PKEY* key, std::string name) {
  std::shared_ptr<EVP_PKEY> owned(key, EVP_PKEY_free);
  auto verifier = NoteVerifier::from_evp(key, std::move(name));
  if (!verifier) return verifier.error();
  return NoteSigner(std::move(owned), std::move(*verifier));
}

Result<NoteSigner> NoteSigner::from_pem(std::string_view pem, std::string name) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return make_error(Errc::internal, "out of memory reading a PEM key");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr) return bad_key("not a PKCS#8 private key in PEM (a \"PRIVATE KEY\" block)");
  return from_key(k, std::move(name));
}

Result<NoteSigner> NoteSigner::from_pem_file(const std::string& path, std::string name) {
  auto pem = read_file_text(path, kMaxPemBytes, FileAccess::owner_only);
  if (!pem) return pem.error();
  auto s = from_pem(*pem, std::move(name));
  if (!s) return bad_key(path + ": " + s.error().message);
  return s;
}

Result<NoteSigner> NoteSigner::from_seed(std::string_view seed, std::string name) {
  if (seed.size() != kSeedBytes) {
    return bad_key("an Ed25519 private key has 32 bytes, not " + std::to_string(seed.size()));
  }
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (k == nullptr) return bad_key("OpenSSL refused the Ed25519 private key");
  return from_key(k, std::move(name));
}

Result<std::string> NoteSigner::sign(std::string_view text) const {
  std::string sig(kEd25519SignatureBytes, '\0');
  std::size_t len = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return make_error(Errc::internal, "out of memory signing a note");
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1 &&
      len == kEd25519SignatureBytes;
  EVP_MD_CTX_free(ctx);
  if (!ok) return make_error(Errc::internal, "OpenSSL could not sign with the journal key");
  return sig;
}

}  // namespace hub::audit
