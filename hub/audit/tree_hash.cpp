#include "hub/audit/tree_hash.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace hub::audit {
namespace {

// One fetched SHA-256 for the process and one context per thread: the tree hashes two short
// inputs per append, where OpenSSL's implicit fetch and context allocation would cost more than
// the hash itself.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MD_CTX* thread_context() {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

Hash digest(unsigned char prefix, std::string_view a, std::string_view b) {
  Hash out{};
  EVP_MD_CTX* ctx = thread_context();
  unsigned int n = 0;
  // SHA-256 over memory cannot fail once the context exists; if OpenSSL cannot even allocate
  // one, no hash the journal computes could be trusted, so stop rather than return zeros.
  if (ctx == nullptr || sha256_md() == nullptr ||
      EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, &prefix, 1) != 1 || EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &n) != 1 || n != kHashBytes) {
    std::abort();
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Hash leaf_hash(std::string_view input) {
  return digest(0x00, input, {});
}

Hash node_hash(const Hash& left, const Hash& right) {
  return digest(0x01, as_bytes(left), as_bytes(right));
}

Hash empty_tree_hash() {
  Hash out{};
  unsigned int n = 0;
  if (EVP_Digest("", 0, out.data(), &n, sha256_md(), nullptr) != 1) std::abort();
  return out;
}

std::string to_hex(const Hash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kHashBytes);
  for (unsigned char b : h) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  if (hex.size() != 2 * kHashBytes) return std::nullopt;
  Hash out{};
  for (std::size_t i = 0; i < kHashBytes; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

std::string_view as_bytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace hub::audit
