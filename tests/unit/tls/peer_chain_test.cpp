// A client's chain judged again against a listener's context, as a handshake on it would judge
// it now: its CAs, its CRLs, the clientAuth purpose.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

#include "hub/tls/context.hpp"
#include "hub/tls/peer_chain.hpp"
#include "support/pki.hpp"

namespace ts = testing_support;

namespace {

hub::tls::PeerChain chain_of(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(ts::pki(pem).c_str(), "r"), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> leaf(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  return hub::tls::PeerChain(leaf.get(), nullptr);  // shares it: ours can go
}

std::shared_ptr<boost::asio::ssl::context> context(const std::string& ca,
                                                   const std::vector<std::string>& crls) {
  hub::tls::ServerOptions o;
  o.certificate = ts::pki("hub/server.crt");
  o.key = ts::pki("hub/server.key");
  o.client_ca = {ts::pki(ca)};
  for (const auto& c : crls) o.crl.push_back(ts::pki(c));
  auto ctx = hub::tls::make_server_context(o);
  if (!ctx) throw std::runtime_error(ctx.error().message);
  return *ctx;
}

TEST(PeerChain, IsJudgedByTheContextsCasCrlsAndPurpose) {
  const auto cnss_context = context("ca/cnss.crt", {"ca/cnss.crl"});
  SSL_CTX* cnss = cnss_context->native_handle();
  EXPECT_EQ(chain_of("clients/agency.crt").verify_with(cnss), X509_V_OK);
  EXPECT_EQ(chain_of("negative/revoked.crt").verify_with(cnss), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(chain_of("negative/no-client-auth.crt").verify_with(cnss), X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(chain_of("negative/expired.crt").verify_with(cnss), X509_V_ERR_CERT_HAS_EXPIRED);
  // Without the CRL the revoked certificate is as good as any.
  EXPECT_EQ(
      chain_of("negative/revoked.crt").verify_with(context("ca/cnss.crt", {})->native_handle()),
      X509_V_OK);
  // A context that trusts other CAs does not trust it any more.
  const int other =
      chain_of("clients/agency.crt").verify_with(context("ca/partners.crt", {})->native_handle());
  EXPECT_NE(other, X509_V_OK);
  EXPECT_EQ(hub::tls::reverify_failure_reason(other), "no_longer_trusted");
  EXPECT_EQ(hub::tls::reverify_failure_reason(X509_V_ERR_CERT_REVOKED), "revoked");
  EXPECT_NE(hub::tls::PeerChain().verify_with(cnss), X509_V_OK);
}

}  // namespace
