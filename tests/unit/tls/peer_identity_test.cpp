// The identity a listener takes from a client certificate: its subject, and its CA as found in the
// chain OpenSSL verified (subject and key identifier), on full handshakes and on resumed sessions
// (which carry no certificate), with the hub's own server context and the test PKI. The two ends
// talk through an in-memory BIO pair.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <cctype>
#include <memory>

#include "hub/tls/context.hpp"
#include "support/pki.hpp"

namespace ts = testing_support;

namespace {

using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;
using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

CtxPtr client_ctx(const std::string& name, int version) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  SSL_CTX_use_certificate_chain_file(ctx.get(), ts::pki(name + ".crt").c_str());
  SSL_CTX_use_PrivateKey_file(ctx.get(), ts::pki(name + ".key").c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_load_verify_locations(ctx.get(), ts::pki("ca/cnss.crt").c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

std::shared_ptr<boost::asio::ssl::context> partners_listener(const std::string& extra_ca = "") {
  hub::tls::ServerOptions o;
  o.certificate = ts::pki("hub/server.crt");
  o.key = ts::pki("hub/server.key");
  o.client_ca = {ts::pki("ca/partners.crt")};
  o.crl = {ts::pki("ca/partners.crl")};
  if (!extra_ca.empty()) {
    o.client_ca.push_back(ts::pki("ca/" + extra_ca + ".crt"));
    o.crl.push_back(ts::pki("ca/" + extra_ca + ".crl"));
  }
  auto ctx = hub::tls::make_server_context(o);
  EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().message);
  return ctx ? *ctx : nullptr;
}

struct Connection {
  SslPtr client{nullptr, &SSL_free};
  SslPtr server{nullptr, &SSL_free};
  bool ok = false;
};

// Runs both ends of a handshake until each is done or one fails; then lets the client read what
// the server sent after it (TLS 1.3 session tickets).
Connection connect(SSL_CTX* client, SSL_CTX* server, SSL_SESSION* resume = nullptr) {
  Connection c;
  c.client.reset(SSL_new(client));
  c.server.reset(SSL_new(server));
  BIO* cb = nullptr;
  BIO* sb = nullptr;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(c.client.get(), cb, cb);
  SSL_set_bio(c.server.get(), sb, sb);
  if (resume != nullptr) SSL_set_session(c.client.get(), resume);
  SSL_set_connect_state(c.client.get());
  SSL_set_accept_state(c.server.get());
  auto pending = [](SSL* s, int rc) {
    const int e = SSL_get_error(s, rc);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
  };
  bool client_done = false;
  bool server_done = false;
  for (int i = 0; i < 50 && !(client_done && server_done); ++i) {
    if (!client_done) {
      const int rc = SSL_do_handshake(c.client.get());
      client_done = rc == 1;
      if (!client_done && !pending(c.client.get(), rc)) return c;
    }
    if (!server_done) {
      const int rc = SSL_do_handshake(c.server.get());
      server_done = rc == 1;
      if (!server_done && !pending(c.server.get(), rc)) return c;
    }
  }
  char byte = 0;
  SSL_read(c.client.get(), &byte, 1);  // takes in the session tickets; nothing else to read
  c.ok = client_done && server_done;
  return c;
}

// A CA's key identifier in PeerIdentity's form: lower-case hex without colons.
std::string ski_of(const std::string& ca_file) {
  std::string out;
  for (char c : ts::subject_key_id(ca_file)) {
    if (c != ':') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

class PeerIdentity : public ::testing::TestWithParam<int> {};

TEST_P(PeerIdentity, IssuerIsTheVerifiedCaOnFullAndResumedHandshakes) {
  auto server = partners_listener();
  auto client = client_ctx("clients/dgct", GetParam());
  auto first = connect(client.get(), server->native_handle());
  ASSERT_TRUE(first.ok);
  auto id = hub::tls::peer_identity(first.server.get());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->subject, "CN=dgct-cnss-exchange,O=DGCT,C=MA");
  EXPECT_EQ(id->issuer, "CN=DGCT Development Root CA,O=DGCT,C=MA");
  EXPECT_EQ(id->issuer_key_id, ski_of(ts::pki("ca/dgct.crt")));
  EXPECT_EQ(id->issuer_key_id.size(), 40u);

  std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)> session(
      SSL_get1_session(first.client.get()), &SSL_SESSION_free);
  ASSERT_TRUE(session && SSL_SESSION_is_resumable(session.get()) == 1);
  auto again = connect(client.get(), server->native_handle(), session.get());
  ASSERT_TRUE(again.ok);
  ASSERT_EQ(SSL_session_reused(again.server.get()), 1) << "the session was not resumed";
  auto resumed = hub::tls::peer_identity(again.server.get());
  ASSERT_TRUE(resumed) << "a resumed session lost its identity";
  EXPECT_EQ(resumed->subject, id->subject);
  EXPECT_EQ(resumed->issuer, id->issuer);
  EXPECT_EQ(resumed->issuer_key_id, id->issuer_key_id);
  EXPECT_EQ(resumed->serial, id->serial);
}

INSTANTIATE_TEST_SUITE_P(Versions, PeerIdentity, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const auto& info) {
                           return std::string(info.param == TLS1_2_VERSION ? "Tls12" : "Tls13");
                         });

TEST(PeerIdentityCrossCa, AnotherPartnersCaIsTheIssuerWhateverTheSubjectSays) {
  auto server = partners_listener();
  auto client = client_ctx("negative/dgct-by-dgi", TLS1_3_VERSION);
  auto c = connect(client.get(), server->native_handle());
  ASSERT_TRUE(c.ok);
  auto id = hub::tls::peer_identity(c.server.get());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->subject, "CN=dgct-cnss-exchange,O=DGCT,C=MA");
  EXPECT_EQ(id->issuer, "CN=DGI Development Root CA,O=DGI,C=MA");
  EXPECT_EQ(id->issuer_key_id, ski_of(ts::pki("ca/dgi.crt")));
}

TEST(PeerIdentityCrossCa, TwoCasWithOneNameAreToldApartByTheirKey) {
  // A listener trusting the DGCT CA and its twin (same name, another key): the issuer's name is
  // the same for both certificates; its key identifier is each one's own CA's.
  auto server = partners_listener("dgct-twin");
  auto genuine = client_ctx("clients/dgct", TLS1_3_VERSION);
  auto twin = client_ctx("negative/dgct-by-twin", TLS1_3_VERSION);
  auto a = connect(genuine.get(), server->native_handle());
  auto b = connect(twin.get(), server->native_handle());
  ASSERT_TRUE(a.ok && b.ok);
  auto ida = hub::tls::peer_identity(a.server.get());
  auto idb = hub::tls::peer_identity(b.server.get());
  ASSERT_TRUE(ida && idb);
  EXPECT_EQ(ida->issuer, idb->issuer);
  EXPECT_EQ(ida->issuer_key_id, ski_of(ts::pki("ca/dgct.crt")));
  EXPECT_EQ(idb->issuer_key_id, ski_of(ts::pki("ca/dgct-twin.crt")));
  EXPECT_NE(ida->issuer_key_id, idb->issuer_key_id);
}

TEST(CountCertificates, ABundleCountsEachCa) {
  auto bundle = hub::tls::count_certificates(ts::pki("ca/partners.crt"));
  ASSERT_TRUE(bundle);
  EXPECT_EQ(*bundle, ts::certificates_in(ts::pki("ca/partners.crt")));
  EXPECT_GE(*bundle, 4u);
  auto one = hub::tls::count_certificates(ts::pki("ca/cnss.crt"));
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, 1u);
  EXPECT_FALSE(hub::tls::count_certificates("/nonexistent/ca.crt"));
}

}  // namespace
