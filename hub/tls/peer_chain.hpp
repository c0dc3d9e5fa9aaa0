// The certificate chain a client presented, kept for as long as its connection is open, so that
// the connection can be judged again when the listener's trust changes (a CRL or a CA reloaded).
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct x509_st X509;
struct stack_st_X509;

namespace hub::tls {

class PeerChain {
 public:
  PeerChain() = default;
  // Shares (reference counts) `leaf` and the intermediates in `untrusted` (may be null).
  PeerChain(X509* leaf, stack_st_X509* untrusted);
  // The chain the peer of a finished server-side handshake sent: its leaf and the certificates
  // that came with it (OpenSSL gives a server the leaf apart from the rest).
  static PeerChain of(SSL* ssl);

  bool empty() const { return !leaf_; }

  // Verifies the chain as a handshake on `ctx` would now: the context's trusted CAs, its CRLs and
  // their flags, the clientAuth purpose and the depth it sets, at the current time. Returns
  // X509_V_OK (0) or OpenSSL's verification error (X509_V_ERR_CERT_REVOKED...); an empty chain
  // gives X509_V_ERR_UNSPECIFIED.
  int verify_with(SSL_CTX* ctx) const;

 private:
  std::shared_ptr<X509> leaf_;
  std::shared_ptr<stack_st_X509> untrusted_;
};

// A metric label for a chain that no longer verifies: "revoked" for X509_V_ERR_CERT_REVOKED,
// "no_longer_trusted" for every other error (an expired certificate, a CA no longer trusted...).
std::string_view reverify_failure_reason(int verify_error);

}  // namespace hub::tls
