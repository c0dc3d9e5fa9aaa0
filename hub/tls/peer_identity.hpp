// Who the verified client certificate of a connection is: its subject, and the CA that vouched for
// it as taken from the chain OpenSSL verified, not from the certificate's own issuer field.
#pragma once

#include <optional>
#include <string>

typedef struct ssl_st SSL;
typedef struct X509_name_st X509_NAME;

namespace hub::tls {

struct PeerIdentity {
  std::string subject;  // RFC 2253, e.g. CN=agency-casa-anfa,OU=Agences,O=CNSS,C=MA
  // The subject (RFC 2253) of the CA certificate that issued the leaf in the verified chain.
  std::string issuer;
  // That CA's subjectKeyIdentifier (RFC 5280 §4.2.1.2), lower-case hexadecimal without colons;
  // the leaf's authorityKeyIdentifier keyIdentifier (§4.2.1.1) when the CA has none; "" when
  // neither is present.
  std::string issuer_key_id;
  std::string serial;  // hexadecimal
};

// The verified peer certificate's identity, after a successful handshake; nullopt when there is
// none, when verification failed, or when the CA's subjectKeyIdentifier and the leaf's
// authorityKeyIdentifier disagree (OpenSSL never builds such a chain: this fails closed).
// On a resumed session no certificate is sent: the leaf the session remembers is verified again
// against the connection's trust store, CRLs and purpose, to know its CA.
std::optional<PeerIdentity> peer_identity(SSL* ssl);

// A distinguished name as RFC 2253 text (OpenSSL's XN_FLAG_RFC2253): the form principals' subject
// and issuer are written in, compared exactly.
std::string name_rfc2253(const X509_NAME* name);

}  // namespace hub::tls
