// A local RFC 3161 Time Stamping Authority for integration tests: a CA and a time-stamping
// certificate made with the openssl CLI in a folder of its own, and the cnss-test-tsa process
// (tests/tools/tsa_responder.cpp) answering over loopback with `openssl ts -reply`.
#pragma once

#include <memory>
#include <string>

#include "support/process.hpp"

namespace testing_support {

class TsaProcess {
 public:
  // status: 0 to time-stamp; an HTTP status to answer every request with it instead.
  explicit TsaProcess(int status = 0);
  ~TsaProcess();
  TsaProcess(const TsaProcess&) = delete;
  TsaProcess& operator=(const TsaProcess&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tsa"; }
  // The TSA's CA certificate (PEM): what verifies its time-stamps.
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  Process& process() { return *process_; }

 private:
  std::string dir_;
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

}  // namespace testing_support
