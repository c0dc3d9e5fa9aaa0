// A real cnss-sim process for integration tests, on free ports with the test PKI.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/tls_client.hpp"

namespace testing_support {

struct SimOptions {
  bool strict = false;
  std::string faults_yaml;    // body of the faults: section
  double conflict_share = 0;  // the share of people on whom DGCT disagrees with DGSN
};

class SimProcess {
 public:
  explicit SimProcess(const SimOptions& options = {});
  unsigned short port(const std::string& partner) const { return ports_.at(partner); }
  const std::map<std::string, unsigned short>& ports() const { return ports_; }
  const std::string& config_file() const { return config_; }
  Process& process() { return *process_; }
  // The hub's client setup towards a partner (its certificate issued by the partner's CA).
  static ClientSetup hub_client(const std::string& partner);

 private:
  std::string dir_;
  std::string config_;
  std::unique_ptr<Process> process_;
  std::map<std::string, unsigned short> ports_;
};

std::string sim_test_config(const SimOptions& options);

}  // namespace testing_support
