#include "support/sim_process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/pki.hpp"

namespace testing_support {

std::string sim_test_config(const SimOptions& o) {
  const std::string p = pki_dir();
  std::ostringstream y;
  y << "seed: 20261127\nstrict: " << (o.strict ? "true" : "false") << "\nthreads: 2\n";
  y << "conflict_share: " << o.conflict_share << "\n";
  y << "partners:\n";
  for (const char* name : {"dgsn", "dgct", "ompic", "dgi", "anrc"}) {
    y << "  " << name << ":\n    port: 0\n"
      << "    certificate: " << p << "/sim/" << name << ".crt\n"
      << "    key: " << p << "/sim/" << name << ".key\n"
      << "    client_ca: " << p << "/ca/" << name << ".crt\n"
      << "    crl: " << p << "/ca/" << name << ".crl\n";
    if (std::string(name) == "dgi") y << "    rate_limit: {per_second: 50, burst: 100}\n";
  }
  if (!o.faults_yaml.empty()) y << "faults:\n" << o.faults_yaml;
  y << "push:\n  hub_ca: " << p << "/ca/cnss.crt\n"
    << "  dgct:\n    certificate: " << p << "/clients/dgct.crt\n    key: " << p
    << "/clients/dgct.key\n"
    << "  ompic:\n    certificate: " << p << "/clients/ompic.crt\n    key: " << p
    << "/clients/ompic.key\n"
    << "  anrc:\n    certificate: " << p << "/clients/anrc.crt\n    key: " << p
    << "/clients/anrc.key\n";
  return y.str();
}

SimProcess::SimProcess(const SimOptions& options) {
  dir_ = temp_dir("cnss-sim-test");
  config_ = dir_ + "/sim.yaml";
  std::ofstream(config_) << sim_test_config(options);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary_dir() + "/bin/cnss-sim", "serve", "--config", config_});
  auto ready = process_->wait_for_line(
      [](const std::string& l) { return l.find("\"msg\":\"ready\"") != std::string::npos; },
      std::chrono::seconds(20));
  if (!ready) {
    std::string all;
    for (const auto& l : process_->lines()) all += l + "\n";
    throw std::runtime_error("cnss-sim did not start:\n" + all);
  }
  for (const auto& l : process_->lines()) {
    if (l.find("\"msg\":\"listening\"") == std::string::npos) continue;
    ports_[json_field(l, "listener")] =
        static_cast<unsigned short>(std::stoi(json_field(l, "port")));
  }
}

ClientSetup SimProcess::hub_client(const std::string& partner) {
  ClientSetup s;
  s.ca = pki("ca/" + partner + ".crt");
  s.certificate = pki("hub/client-" + partner + ".crt");
  s.key = pki("hub/client-" + partner + ".key");
  return s;
}

}  // namespace testing_support
