// The development PKI for tests, made once per build tree by certs/make-dev-pki.sh.
#pragma once

#include <string>

namespace testing_support {

// The folder holding the test PKI (made on first use; safe when several tests start at once).
const std::string& pki_dir();
inline std::string pki(const std::string& relative) {
  return pki_dir() + "/" + relative;
}

std::string source_dir();
std::string binary_dir();

// A fresh, empty temporary folder for one test.
std::string temp_dir(const std::string& prefix);

}  // namespace testing_support
