#include "hub/tls/context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include <cstdio>
#include <memory>

namespace hub::tls {
namespace {

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Error tls_config_error(const std::string& what) {
  return make_error(Errc::internal, what + ": " + openssl_errors(), "tls_configuration");
}

Result<void> restrict_protocols(SSL_CTX* ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return tls_config_error("cannot restrict TLS versions");
  }
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return tls_config_error("cannot set TLS 1.2 cipher suites");
  }
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
    return tls_config_error("cannot set TLS 1.3 cipher suites");
  }
  return {};
}

Result<void> load_own_certificate(SSL_CTX* ctx, const std::string& cert, const std::string& key) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return tls_config_error("cannot load certificate " + cert);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return tls_config_error("cannot load private key " + key);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return tls_config_error("private key " + key + " does not match " + cert);
  }
  return {};
}

Result<void> load_crl(X509_STORE* store, const std::string& file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), &BIO_free);
  if (!bio) return tls_config_error("cannot read CRL " + file);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  ERR_clear_error();  // the loop ends on the "no start line" of end of file
  if (loaded == 0) return tls_config_error("no CRL in " + file);
  return {};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const ServerOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (auto r = restrict_protocols(native); !r) return r.error();
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (auto r = load_own_certificate(native, o.certificate, o.key); !r) return r.error();

  STACK_OF(X509_NAME)* ca_names = sk_X509_NAME_new_null();
  for (const auto& ca : o.client_ca) {
    if (SSL_CTX_load_verify_locations(native, ca.c_str(), nullptr) != 1) {
      sk_X509_NAME_pop_free(ca_names, X509_NAME_free);
      return tls_config_error("cannot load client CA " + ca);
    }
    SSL_add_file_cert_subjects_to_stack(ca_names, ca.c_str());
  }
  // Tell clients which issuers we accept, so one holding several certificates picks the right one.
  SSL_CTX_set_client_CA_list(native, ca_names);

  X509_STORE* store = SSL_CTX_get_cert_store(native);
  for (const auto& crl : o.crl) {
    if (auto r = load_crl(store, crl); !r) return r.error();
  }
  if (!o.crl.empty()) X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  // clientAuth extended key usage is required of the client's leaf certificate.
  if (SSL_CTX_set_purpose(native, X509_PURPOSE_SSL_CLIENT) != 1) {
    return tls_config_error("cannot require the clientAuth purpose");
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(native, 4);
  const auto& sid = o.session_id_context;
  SSL_CTX_set_session_id_context(native, reinterpret_cast<const unsigned char*>(sid.data()),
                                 static_cast<unsigned>(std::min<std::size_t>(sid.size(), 32)));
  return ctx;
}

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (auto r = restrict_protocols(native); !r) return r.error();
  if (SSL_CTX_load_verify_locations(native, o.ca.c_str(), nullptr) != 1) {
    return tls_config_error("cannot load partner CA " + o.ca);
  }
  if (auto r = load_own_certificate(native, o.certificate, o.key); !r) return r.error();
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_purpose(native, X509_PURPOSE_SSL_SERVER);
  // Sessions are kept by the connection pool (SSL_get1_session / SSL_set_session).
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  return ctx;
}

Result<void> set_peer_name(SSL* ssl, const std::string& name) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(name, ec);
  if (!ec) {
    // An IP address is checked against the certificate's iPAddress entries; no SNI for it
    // (RFC 6066 forbids literal addresses in server_name).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, addr.to_string().c_str()) != 1) {
      return tls_config_error("cannot set the expected IP address " + name);
    }
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return tls_config_error("cannot set SNI " + name);
  }
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, name.c_str()) != 1) {
    return tls_config_error("cannot set the expected host name " + name);
  }
  return {};
}

std::string handshake_failure_reason(const boost::system::error_code& ec, SSL* ssl) {
  namespace asio = boost::asio;
  if (ec == asio::error::operation_aborted || ec == asio::error::timed_out ||
      ec == boost::beast::error::timeout) {
    return "timeout";
  }
  if (ssl != nullptr) {
    switch (SSL_get_verify_result(ssl)) {
      case X509_V_OK:
        break;
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return "expired";
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return "not_yet_valid";
      case X509_V_ERR_CERT_REVOKED:
        return "revoked";
      case X509_V_ERR_UNABLE_TO_GET_CRL:
      case X509_V_ERR_CRL_HAS_EXPIRED:
      case X509_V_ERR_CRL_NOT_YET_VALID:
        return "crl_unavailable";
      case X509_V_ERR_INVALID_PURPOSE:
        return "bad_purpose";
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_CERT_UNTRUSTED:
        return "untrusted_ca";
      default:
        return "verify_failed";
    }
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return "no_certificate";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_VERSION_TOO_LOW:
        return "protocol_version";
      case SSL_R_NO_SHARED_CIPHER:
        return "no_shared_cipher";
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return "verify_failed";
      case SSL_R_HTTP_REQUEST:
        return "plain_http";
      default:
        break;
    }
  }
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset) {
    return "closed";
  }
  return "other";
}

Result<CertificateInfo> read_certificate_info(const std::string& pem_file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(pem_file.c_str(), "r"), &BIO_free);
  if (!bio) return make_error(Errc::internal, "cannot read " + pem_file, "tls_configuration");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return tls_config_error("no certificate in " + pem_file);
  CertificateInfo info;
  info.subject = name_rfc2253(X509_get_subject_name(cert.get()));
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return tls_config_error("unreadable notAfter in " + pem_file);
  }
  info.not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
  return info;
}

Result<std::size_t> count_certificates(const std::string& pem_file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(pem_file.c_str(), "r"), &BIO_free);
  if (!bio) return make_error(Errc::internal, "cannot read " + pem_file, "tls_configuration");
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
  if (infos == nullptr) return tls_config_error("unreadable PEM in " + pem_file);
  std::size_t n = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    if (sk_X509_INFO_value(infos, i)->x509 != nullptr) ++n;
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  ERR_clear_error();  // reading ends on the "no start line" of end of file
  return n;
}

}  // namespace hub::tls
