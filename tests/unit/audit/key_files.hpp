// Ed25519 keys for tests, made with OpenSSL and written as PEM files the way
// `openssl genpkey -algorithm ed25519` writes them.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace hub::audit::testing {

inline std::string to_pem(EVP_PKEY* key, bool private_half) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_half) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, key);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

struct PemPair {
  std::string private_pem;
  std::string public_pem;
};

// A new key of `type` ("ED25519", or "EC" with P-256 for a key of the wrong kind).
inline PemPair new_key(const char* type = "ED25519") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      std::string(type) == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, type),
      EVP_PKEY_free);
  return {to_pem(key.get(), true), to_pem(key.get(), false)};
}

inline void write_file(const std::filesystem::path& path, const std::string& text,
                       mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

}  // namespace hub::audit::testing
