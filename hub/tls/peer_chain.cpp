#include "hub/tls/peer_chain.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace hub::tls {
namespace {

void free_chain(STACK_OF(X509) * chain) {
  sk_X509_pop_free(chain, X509_free);
}

}  // namespace

PeerChain::PeerChain(X509* leaf, STACK_OF(X509) * untrusted) {
  if (leaf == nullptr || X509_up_ref(leaf) != 1) return;
  leaf_.reset(leaf, &X509_free);
  if (untrusted != nullptr) {
    if (STACK_OF(X509)* copy = X509_chain_up_ref(untrusted)) untrusted_.reset(copy, &free_chain);
  }
}

PeerChain PeerChain::of(SSL* ssl) {
  return PeerChain(SSL_get0_peer_certificate(ssl), SSL_get_peer_cert_chain(ssl));
}

int PeerChain::verify_with(SSL_CTX* ctx) const {
  if (!leaf_ || ctx == nullptr) return X509_V_ERR_UNSPECIFIED;
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> store_ctx(X509_STORE_CTX_new(),
                                                                            &X509_STORE_CTX_free);
  if (!store_ctx || X509_STORE_CTX_init(store_ctx.get(), SSL_CTX_get_cert_store(ctx), leaf_.get(),
                                        untrusted_.get()) != 1) {
    return X509_V_ERR_UNSPECIFIED;
  }
  // What libssl does when a server verifies its client: the "ssl_client" defaults, then the
  // context's own parameters (purpose, depth) over them.
  X509_STORE_CTX_set_default(store_ctx.get(), "ssl_client");
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(store_ctx.get()), SSL_CTX_get0_param(ctx));
  if (X509_verify_cert(store_ctx.get()) == 1) return X509_V_OK;
  const int error = X509_STORE_CTX_get_error(store_ctx.get());
  return error == X509_V_OK ? X509_V_ERR_UNSPECIFIED : error;
}

std::string_view reverify_failure_reason(int verify_error) {
  return verify_error == X509_V_ERR_CERT_REVOKED ? "revoked" : "no_longer_trusted";
}

}  // namespace hub::tls
