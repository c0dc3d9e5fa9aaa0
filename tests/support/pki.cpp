#include "support/pki.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "support/process.hpp"

namespace testing_support {

std::string source_dir() {
  return CNSS_SOURCE_DIR;
}
std::string binary_dir() {
  return CNSS_BINARY_DIR;
}

const std::string& pki_dir() {
  static const std::string dir = [] {
    const std::string out = binary_dir() + "/test-pki";
    // flock: test binaries run in parallel under ctest -j; one of them makes the PKI.
    const std::string cmd =
        "flock " + out + ".lock " + source_dir() + "/certs/make-dev-pki.sh " + out + " > /dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot make the test PKI");
    return out;
  }();
  return dir;
}

std::string subject_key_id(const std::string& cert_file) {
  auto r =
      run_command({"openssl", "x509", "-noout", "-ext", "subjectKeyIdentifier", "-in", cert_file});
  // X509v3 Subject Key Identifier: \n    76:AE:...
  std::istringstream in(r.output);
  std::string line;
  std::string id;
  while (std::getline(in, line)) {
    if (line.find("Subject Key Identifier") != std::string::npos && std::getline(in, id)) break;
  }
  id.erase(0, id.find_first_not_of(' '));
  if (r.exit_code != 0 || id.empty())
    throw std::runtime_error("no subjectKeyIdentifier in " + cert_file);
  return id;
}

std::size_t certificates_in(const std::string& pem_file) {
  std::ifstream in(pem_file);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) n += line == "-----BEGIN CERTIFICATE-----" ? 1 : 0;
  return n;
}

std::string temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace testing_support
