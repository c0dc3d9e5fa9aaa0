// TLS contexts for the hub's listeners and for its calls to partners. Every interface is mutual
// TLS 1.2/1.3 with AEAD suites only; the peer's certificate is always verified.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/core/error.hpp"
#include "hub/tls/peer_identity.hpp"

typedef struct ssl_st SSL;

namespace hub::tls {

namespace ssl = boost::asio::ssl;

struct ServerOptions {
  std::string certificate;             // PEM chain, leaf first
  std::string key;                     // PEM private key
  std::vector<std::string> client_ca;  // trusted issuers of client certificates
  std::vector<std::string> crl;        // CRLs; when any is given, every client leaf is checked
  // An id that scopes session resumption to this listener (clients verified by one listener
  // must not resume on another).
  std::string session_id_context = "cnss-hub";
};

struct ClientOptions {
  std::string ca;           // the partner's CA bundle
  std::string certificate;  // our client certificate for this partner (PEM chain)
  std::string key;
};

// TLS 1.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only. TLS 1.3: its AEAD suites.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// A server context requiring a client certificate issued by one of `client_ca`, with the
// clientAuth extended key usage, not revoked by any CRL given.
Result<std::shared_ptr<ssl::context>> make_server_context(const ServerOptions& o);

// A client context presenting our certificate and verifying the partner's against its CA.
// Host-name verification and SNI are set per connection (set_peer_name).
Result<std::shared_ptr<ssl::context>> make_client_context(const ClientOptions& o);

// SNI plus host-name (or IP address) verification of the server certificate for one connection.
Result<void> set_peer_name(SSL* ssl, const std::string& name);

// Why a server-side handshake failed, as a stable metric label: no_certificate, expired,
// not_yet_valid, revoked, untrusted_ca, crl_unavailable, bad_purpose, protocol_version,
// no_shared_cipher, timeout, closed, other.
std::string handshake_failure_reason(const boost::system::error_code& ec, SSL* ssl);

// The notAfter time and subject of the first certificate in a PEM file.
struct CertificateInfo {
  std::string subject;
  std::chrono::system_clock::time_point not_after;
};
Result<CertificateInfo> read_certificate_info(const std::string& pem_file);

// How many certificates a PEM file holds, read as the trust store reads a client CA file
// (X509_load_cert_crl_file): a bundle of CAs counts each of them.
Result<std::size_t> count_certificates(const std::string& pem_file);

}  // namespace hub::tls
