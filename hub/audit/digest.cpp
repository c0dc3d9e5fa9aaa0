#include "hub/audit/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

namespace hub::audit {
namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0f]);
  }
  return out;
}

// Fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up on every use.
const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, sha256(), nullptr) != 1) return {};
  return to_hex(md, n);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // HMAC() refuses a null key pointer even when the length is 0.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(sha256(), k, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &n) == nullptr) {
    return {};
  }
  return to_hex(md, n);
}

HmacSha256::HmacSha256(std::string_view key) : key_(key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return;
  keyed_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (keyed_ == nullptr) return;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(keyed_, k, key.size(), params) != 1) {
    EVP_MAC_CTX_free(keyed_);
    keyed_ = nullptr;
  }
}

HmacSha256::~HmacSha256() {
  EVP_MAC_CTX_free(keyed_);
}

std::string HmacSha256::hex(std::string_view data) const {
  if (keyed_ == nullptr) return hmac_sha256_hex(key_, data);
  EVP_MAC_CTX* c = EVP_MAC_CTX_dup(keyed_);
  if (c == nullptr) return hmac_sha256_hex(key_, data);
  unsigned char md[EVP_MAX_MD_SIZE];
  std::size_t n = 0;
  const bool ok =
      EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(c, md, &n, sizeof md) == 1;
  EVP_MAC_CTX_free(c);
  return ok ? to_hex(md, n) : hmac_sha256_hex(key_, data);
}

}  // namespace hub::audit
