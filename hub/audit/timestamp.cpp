#include "hub/audit/timestamp.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace hub::audit {
namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
template <class T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;

using Req = Owned<TS_REQ, TS_REQ_free>;
using Resp = Owned<TS_RESP, TS_RESP_free>;
using Ctx = Owned<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;
using Imprint = Owned<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using Algor = Owned<X509_ALGOR, X509_ALGOR_free>;
using Integer = Owned<ASN1_INTEGER, ASN1_INTEGER_free>;
using Big = Owned<BIGNUM, BN_free>;

std::string openssl_errors() {
  std::string out;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

template <class T>
std::string der_of(int (*i2d)(const T*, unsigned char**), const T* v) {
  unsigned char* buf = nullptr;
  const int n = i2d(v, &buf);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

// The CA certificates of a PEM file, as a store that checks the timeStamping purpose.
Result<X509_STORE*> ca_store(const std::string& ca_file) {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr || X509_STORE_load_file(store, ca_file.c_str()) != 1) {
    X509_STORE_free(store);
    return make_error(Errc::internal, "cannot read the TSA's CA certificates from " + ca_file +
                                          ": " + openssl_errors());
  }
  return store;
}

Result<Resp> parse_response(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Resp resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
  if (!resp || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return make_error(Errc::malformed_response,
                      "the TSA's answer is not a DER TimeStampResp (RFC 3161 2.4.2)",
                      "timestamp_malformed");
  }
  return resp;
}

Result<void> verify_with(TS_VERIFY_CTX* ctx, TS_RESP* resp, const std::string& ca_file, Errc code) {
  auto store = ca_store(ca_file);
  if (!store) return store.error();
  TS_VERIFY_CTX_set_store(ctx, *store);  // the context owns it
  TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
  ERR_clear_error();
  if (TS_RESP_verify_response(ctx, resp) != 1) {
    return make_error(code, "the RFC 3161 time-stamp does not verify: " + openssl_errors(),
                      "timestamp_invalid");
  }
  return {};
}

}  // namespace

Result<TimestampRequest> make_timestamp_request(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1) {
    return make_error(Errc::internal, "SHA-256 failed: " + openssl_errors());
  }
  Req req(TS_REQ_new());
  Imprint imprint(TS_MSG_IMPRINT_new());
  Algor algo(X509_ALGOR_new());
  unsigned char nonce_bytes[8];
  if (!req || !imprint || !algo || RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1) {
    return make_error(Errc::internal, "cannot build a time-stamp request: " + openssl_errors());
  }
  Big nonce_bn(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr));
  Integer nonce(nonce_bn ? BN_to_ASN1_INTEGER(nonce_bn.get(), nullptr) : nullptr);
  const bool ok =
      nonce && TS_REQ_set_version(req.get(), 1) == 1 &&
      X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) == 1 &&
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) == 1 &&
      TS_MSG_IMPRINT_set_msg(imprint.get(), digest, static_cast<int>(digest_len)) == 1 &&
      TS_REQ_set_msg_imprint(req.get(), imprint.get()) == 1 &&
      TS_REQ_set_nonce(req.get(), nonce.get()) == 1 && TS_REQ_set_cert_req(req.get(), 1) == 1;
  if (!ok)
    return make_error(Errc::internal, "cannot build a time-stamp request: " + openssl_errors());
  TimestampRequest out;
  out.der = der_of(i2d_TS_REQ, req.get());
  if (out.der.empty()) return make_error(Errc::internal, "cannot encode a time-stamp request");
  return out;
}

Result<void> check_timestamp_response(std::string_view response_der,
                                      const TimestampRequest& request, const std::string& ca_file) {
  auto resp = parse_response(response_der);
  if (!resp) return resp.error();
  const auto* p = reinterpret_cast<const unsigned char*>(request.der.data());
  Req req(d2i_TS_REQ(nullptr, &p, static_cast<long>(request.der.size())));
  // Checks version, imprint and nonce against the request; the signature is added.
  Ctx ctx(req ? TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr) : nullptr);
  if (!ctx) return make_error(Errc::internal, "cannot check a time-stamp: " + openssl_errors());
  return verify_with(ctx.get(), resp->get(), ca_file, Errc::malformed_response);
}

Result<std::chrono::system_clock::time_point> verify_timestamp(std::string_view response_der,
                                                               std::string_view data,
                                                               const std::string& ca_file) {
  auto resp = parse_response(response_der);
  if (!resp) return make_error(Errc::unprocessable, resp.error().message, "timestamp_malformed");
  Ctx ctx(TS_VERIFY_CTX_new());
  BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  if (!ctx || bio == nullptr) {
    BIO_free(bio);
    return make_error(Errc::internal, "cannot check a time-stamp: " + openssl_errors());
  }
  TS_VERIFY_CTX_set_data(ctx.get(), bio);  // the context owns it
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_DATA);
  if (auto ok = verify_with(ctx.get(), resp->get(), ca_file, Errc::unprocessable); !ok) {
    return ok.error();
  }
  const ASN1_GENERALIZEDTIME* t = TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp->get()));
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return make_error(Errc::unprocessable, "the time-stamp has no readable time (genTime)",
                      "timestamp_malformed");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace hub::audit
