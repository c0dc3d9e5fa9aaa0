// A development PKI of a test's own, for tests that change it while a hub runs (the shared test
// PKI must not change under other tests): made by certs/make-dev-pki.sh in a temporary folder.
#pragma once

#include <string>

#include "support/hub_process.hpp"
#include "support/tls_client.hpp"

namespace testing_support {

class OwnPki {
 public:
  OwnPki();  // throws std::runtime_error when the script fails
  const std::string& dir() const { return dir_; }
  // A hub's options with its certificates, CAs and CRLs from this PKI.
  HubOptions hub_options() const {
    HubOptions o;
    o.pki = dir_;
    return o;
  }
  // The setup of one of its CNSS clients ("agency", "admin"...), trusting its CNSS CA.
  ClientSetup client(const std::string& name) const;
  // Revokes the CNSS client's certificate (keyCompromise) and writes the CNSS CA's fresh CRL in
  // place, where the hub watches it. Returns what openssl said when it failed; "" when done.
  std::string revoke(const std::string& name) const;
  std::string crl() const { return dir_ + "/ca/cnss.crl"; }

 private:
  std::string dir_;
};

}  // namespace testing_support
