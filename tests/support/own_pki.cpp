#include "support/own_pki.hpp"

#include <stdexcept>

#include "support/pki.hpp"
#include "support/process.hpp"

namespace testing_support {

OwnPki::OwnPki() : dir_(temp_dir("cnss-pki-own")) {
  auto made = run_command({source_dir() + "/certs/make-dev-pki.sh", dir_});
  if (made.exit_code != 0) throw std::runtime_error("make-dev-pki.sh failed:\n" + made.output);
}

ClientSetup OwnPki::client(const std::string& name) const {
  ClientSetup s;
  s.ca = dir_ + "/ca/cnss.crt";
  s.certificate = dir_ + "/clients/" + name + ".crt";
  s.key = dir_ + "/clients/" + name + ".key";
  return s;
}

std::string OwnPki::revoke(const std::string& name) const {
  const std::string cnf = dir_ + "/ca/cnss/openssl.cnf";
  auto revoked = run_command({"openssl", "ca", "-batch", "-config", cnf, "-revoke",
                              dir_ + "/clients/" + name + ".crt", "-crl_reason", "keyCompromise"});
  if (revoked.exit_code != 0) return revoked.output;
  auto written = run_command({"openssl", "ca", "-batch", "-config", cnf, "-gencrl", "-out", crl()});
  return written.exit_code == 0 ? "" : written.output;
}

}  // namespace testing_support
