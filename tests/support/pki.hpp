// The development PKI for tests, made once per build tree by certs/make-dev-pki.sh.
#pragma once

#include <cstddef>
#include <string>

namespace testing_support {

// The folder holding the test PKI (made on first use; safe when several tests start at once).
const std::string& pki_dir();
inline std::string pki(const std::string& relative) {
  return pki_dir() + "/" + relative;
}

// The Subject Key Identifier of a certificate file as the administrator reads it,
// `openssl x509 -noout -ext subjectKeyIdentifier` ("76:AE:CC:..."): what issuer_key_id takes.
std::string subject_key_id(const std::string& cert_file);

// How many PEM certificates a file holds, counted as text ("-----BEGIN CERTIFICATE-----"); e.g.
// the partners' CA bundle: one a partner of conf/sim.yaml.
std::size_t certificates_in(const std::string& pem_file);

std::string source_dir();
std::string binary_dir();

// A fresh, empty temporary folder for one test.
std::string temp_dir(const std::string& prefix);

}  // namespace testing_support
