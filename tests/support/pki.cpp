#include "support/pki.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

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

std::string temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace testing_support
