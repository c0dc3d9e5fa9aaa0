#include "hub/tls/peer_identity.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace hub::tls {
namespace {

struct ChainFree {
  void operator()(STACK_OF(X509) * chain) const { sk_X509_pop_free(chain, X509_free); }
};
using Chain = std::unique_ptr<STACK_OF(X509), ChainFree>;

// The leaf verified again as the handshake verifies a client certificate (ssl_verify_cert_chain):
// the connection's trust store with its CRLs, the "ssl_client" defaults, the connection's
// parameters (purpose, depth). Its chain, or null when it no longer verifies.
Chain verify_again(SSL* ssl, X509* leaf) {
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, SSL_get_peer_cert_chain(ssl)) != 1) {
    return nullptr;
  }
  X509_STORE_CTX_set_default(ctx.get(), "ssl_client");
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(ctx.get()), SSL_get0_param(ssl));
  if (X509_verify_cert(ctx.get()) != 1) return nullptr;
  return Chain(X509_STORE_CTX_get1_chain(ctx.get()));
}

// The chain OpenSSL verified for this connection, leaf first. A resumed session has none (the
// client sends no certificate then), so the leaf the session remembers is verified again.
Chain verified_chain(SSL* ssl, X509* leaf) {
  if (STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl); chain != nullptr) {
    return Chain(X509_chain_up_ref(chain));
  }
  return verify_again(ssl, leaf);
}

std::string lower_hex(const ASN1_OCTET_STRING* s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  if (s == nullptr) return out;
  const unsigned char* data = ASN1_STRING_get0_data(s);
  for (int i = 0; i < ASN1_STRING_length(s); ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string serial_hex(X509* cert) {
  std::string out;
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  return out;
}

}  // namespace

std::string name_rfc2253(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::optional<PeerIdentity> peer_identity(SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  const Chain chain = verified_chain(ssl, leaf);
  if (!chain || sk_X509_num(chain.get()) < 1) return std::nullopt;
  // The leaf's issuer is the chain's second certificate; a leaf trusted directly is its own.
  X509* ca = sk_X509_value(chain.get(), sk_X509_num(chain.get()) > 1 ? 1 : 0);
  const std::string ski = lower_hex(X509_get0_subject_key_id(ca));
  const std::string akid = lower_hex(X509_get0_authority_key_id(leaf));
  if (!ski.empty() && !akid.empty() && ski != akid) return std::nullopt;

  PeerIdentity id;
  id.subject = name_rfc2253(X509_get_subject_name(leaf));
  id.issuer = name_rfc2253(X509_get_subject_name(ca));
  id.issuer_key_id = ski.empty() ? akid : ski;
  id.serial = serial_hex(leaf);
  return id;
}

}  // namespace hub::tls
