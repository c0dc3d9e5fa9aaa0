#include "support/hub_process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/pki.hpp"

namespace testing_support {

std::string hub_test_config(const std::string& dir, const HubOptions& o) {
  const std::string p = pki_dir();
  std::ostringstream y;
  y << "hub:\n  threads: 2\n  data_dir: " << dir << "/data\n";
  y << "listeners:\n"
    << "  - name: internal\n    port: 0\n    interfaces: [registration, admin, ops]\n"
    << "    tls:\n      certificate: " << p << "/hub/server.crt\n      key: " << p
    << "/hub/server.key\n      client_ca: [" << p << "/ca/cnss.crt]\n      crl: [" << p
    << "/ca/cnss.crl]\n"
    << "  - name: partners\n    port: 0\n    interfaces: [partner, ops]\n"
    << "    tls:\n      certificate: " << p << "/hub/server.crt\n      key: " << p
    << "/hub/server.key\n      client_ca: [" << p << "/ca/partners.crt]\n      crl: [" << p
    << "/ca/partners.crl]\n";
  if (!o.limits_yaml.empty()) y << "limits:\n" << o.limits_yaml;
  y << "store:\n"
    << (o.store_yaml.empty() ? "  engine: sqlite\n  path: " + dir + "/data/hub.db\n"
                             : o.store_yaml);
  if (!o.partners_yaml.empty()) y << "partners:\n" << o.partners_yaml;
  y << "principals:\n"
    << "  - name: agency-casa-anfa\n    subject: CN=agency-casa-anfa,OU=Agences,O=CNSS,C=MA\n"
    << "    issuer: CN=CNSS Development Root CA,O=CNSS,C=MA\n    roles: [registration]\n"
    << "  - name: hub-admin\n    subject: CN=hub-admin,OU=DSI,O=CNSS,C=MA\n"
    << "    roles: [admin, ops, registration, override]\n"
    << "  - name: dgct\n    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n    roles: [partner, "
       "events]\n"
    << "  - name: ompic\n    subject: CN=ompic-cnss-exchange,O=OMPIC,C=MA\n"
    << "    roles: [partner, events]\n"
    << "  - name: dgi\n    subject: CN=dgi-cnss-exchange,O=DGI,C=MA\n"
    << "    roles: [partner, attestation]\n";
  return y.str();
}

HubProcess::HubProcess(const HubOptions& options) {
  dir_ = temp_dir("cnss-hub-test");
  config_ = dir_ + "/hub.yaml";
  std::ofstream(config_) << hub_test_config(dir_, options);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary_dir() + "/bin/cnss-hub", "serve", "--config", config_});
  auto ready = process_->wait_for_line(
      [](const std::string& l) {
        return l.find("\"msg\":\"ready\"") != std::string::npos ||
               l.find("\"level\":\"error\"") != std::string::npos;
      },
      std::chrono::seconds(20));
  if (!ready || ready->find("\"msg\":\"ready\"") == std::string::npos) {
    std::string all;
    for (const auto& l : process_->lines()) all += l + "\n";
    throw std::runtime_error("cnss-hub did not start:\n" + all);
  }
  for (const auto& l : process_->lines()) {
    if (l.find("\"msg\":\"listening\"") == std::string::npos) continue;
    ports_[json_field(l, "listener")] =
        static_cast<unsigned short>(std::stoi(json_field(l, "port")));
  }
}

double metric_value(const std::string& text, const std::string& name,
                    const std::vector<std::string>& needles) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ') continue;
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

}  // namespace testing_support
