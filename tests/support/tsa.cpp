#include "support/tsa.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "support/pki.hpp"

namespace testing_support {
namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.output);
}

// A CA, and a certificate for the TSA with the critical timeStamping extended key usage that
// RFC 3161 2.3 requires, with the configuration `openssl ts -reply` reads.
void make_tsa(const std::string& d) {
  std::ofstream(d + "/ext.cnf") << "[tsa]\nbasicConstraints = critical, CA:FALSE\n"
                                   "keyUsage = critical, digitalSignature\n"
                                   "extendedKeyUsage = critical, timeStamping\n";
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", d + "/ca.key", "-out", d + "/ca.crt", "-days", "2", "-subj",
           "/C=MA/O=Test TSA/CN=Test TSA Root", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign"});
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           d + "/tsa.key", "-out", d + "/tsa.csr", "-subj", "/C=MA/O=Test TSA/CN=Test TSA"});
  openssl({"x509", "-req", "-in", d + "/tsa.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
           "-CAcreateserial", "-out", d + "/tsa.crt", "-days", "2", "-extfile", d + "/ext.cnf",
           "-extensions", "tsa"});
  std::ofstream(d + "/serial") << "01\n";
  std::ofstream(d + "/tsa.cnf") << "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\n"
                                << "serial = " << d << "/serial\n"
                                << "signer_cert = " << d << "/tsa.crt\n"
                                << "signer_key = " << d << "/tsa.key\n"
                                << "signer_digest = sha256\n"
                                << "default_policy = 1.3.6.1.4.1.99999.1\n"
                                << "digests = sha256, sha384, sha512\n"
                                << "accuracy = secs:1\nordering = yes\ntsa_name = yes\n"
                                << "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n";
}

}  // namespace

TsaProcess::TsaProcess(int status) {
  dir_ = temp_dir("cnss-tsa");
  make_tsa(dir_);
  process_ = std::make_unique<Process>(std::vector<std::string>{
      binary_dir() + "/bin/cnss-test-tsa", "--dir", dir_, "--status", std::to_string(status)});
  auto line = process_->wait_for_line(
      [](const std::string& l) { return l.find("\"listening\"") != std::string::npos; },
      std::chrono::seconds(10));
  if (!line) throw std::runtime_error("cnss-test-tsa did not start");
  port_ = static_cast<unsigned short>(std::stoi(json_field(*line, "port")));
}

TsaProcess::~TsaProcess() {
  process_.reset();  // stops it
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace testing_support
