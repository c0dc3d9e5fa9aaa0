// The digests the journal records, as lower-case hex: SHA-256 and HMAC-SHA256 (OpenSSL).
#pragma once

#include <string>
#include <string_view>

struct evp_mac_ctx_st;

namespace hub::audit {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// HMAC-SHA256 under one key, keyed once: each digest then starts from a copy of the keyed state
// instead of fetching the algorithms and hashing the key again (OpenSSL 3's HMAC() does both on
// every call). Thread-safe: digest() only reads the keyed state.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // The same as hmac_sha256_hex(key, data).
  std::string hex(std::string_view data) const;

 private:
  evp_mac_ctx_st* keyed_ = nullptr;  // null if OpenSSL refused: hex() then falls back
  std::string key_;
};

}  // namespace hub::audit
