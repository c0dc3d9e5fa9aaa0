#include "support/hub_process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/pki.hpp"

namespace testing_support {

std::string dev_ca_subject(const std::string& organisation) {
  return "CN=" + organisation + " Development Root CA,O=" + organisation + ",C=MA";
}

std::string hub_test_config(const std::string& dir, const HubOptions& o) {
  const std::string p = o.pki.empty() ? pki_dir() : o.pki;
  std::ostringstream y;
  y << "hub:\n  threads: 2\n  data_dir: " << dir << "/data\n";
  if (o.mappings) {
    y << "  mappings_dir: "
      << (o.mappings_dir.empty() ? source_dir() + "/mappings" : o.mappings_dir) << "\n";
    if (!o.mappings_from.empty()) y << "  mappings_from: " << o.mappings_from << "\n";
  }
  if (!o.web_dir.empty()) y << "  web_dir: " << o.web_dir << "\n";
  y << "listeners:\n"
    << "  - name: internal\n    port: " << o.internal_port
    << "\n    interfaces: [registration, admin, ops, feed" << (o.web_dir.empty() ? "" : ", web")
    << "]\n"
    << "    tls:\n      certificate: " << p << "/hub/server.crt\n      key: " << p
    << "/hub/server.key\n      client_ca: [" << p << "/ca/cnss.crt]\n      crl: [" << p
    << "/ca/cnss.crl]\n"
    << "  - name: partners\n    port: " << o.partners_port << "\n    interfaces: [partner, ops]\n"
    << "    tls:\n      certificate: " << p << "/hub/server.crt\n      key: " << p
    << "/hub/server.key\n      client_ca: [" << p << "/ca/partners.crt" << o.partners_extra_ca
    << "]\n      crl: [" << p << "/ca/partners.crl" << o.partners_extra_crl << "]\n";
  if (!o.limits_yaml.empty()) y << "limits:\n" << o.limits_yaml;
  y << "store:\n"
    << (o.store_yaml.empty() ? "  engine: sqlite\n  path: " + dir + "/data/hub.db\n"
                             : o.store_yaml);
  if (!o.partners_yaml.empty()) y << "partners:\n" << o.partners_yaml;
  if (!o.exchange_yaml.empty()) y << "exchange:\n" << o.exchange_yaml;
  if (!o.audit_yaml.empty()) y << "audit:\n" << o.audit_yaml;
  // As in conf/hub.yaml: each principal bound to the CA that issues its certificates.
  y << "principals:\n"
    << "  - name: agency-casa-anfa\n    subject: CN=agency-casa-anfa,OU=Agences,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n    roles: [registration]\n"
    << "  - name: hub-admin\n    subject: CN=hub-admin,OU=DSI,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n"
    << "    roles: [admin, ops, registration, override, mapping_author, mapping_approver]\n"
    << "  - name: dgct\n    subject: CN=dgct-cnss-exchange,O=DGCT,C=MA\n"
    << "    issuer: " << dev_ca_subject("DGCT") << "\n"
    << o.dgct_principal_extra << "    roles: [partner, events]\n"
    << "  - name: ompic\n    subject: CN=ompic-cnss-exchange,O=OMPIC,C=MA\n"
    << "    issuer: " << dev_ca_subject("OMPIC") << "\n    roles: [partner, events]\n"
    << "  - name: dgi\n    subject: CN=dgi-cnss-exchange,O=DGI,C=MA\n"
    << "    issuer: " << dev_ca_subject("DGI") << "\n    roles: [partner, attestation]\n"
    << "  - name: anrc\n    subject: CN=anrc-cnss-exchange,O=ANRC,C=MA\n"
    << "    issuer: " << dev_ca_subject("ANRC") << "\n    roles: [partner, events]\n"
    << "  - name: feed-prestations\n    subject: CN=feed-prestations,OU=DSI,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n    roles: [feed]\n"
    << "  - name: feed-statistics\n    subject: CN=feed-statistics,OU=DSI,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n    roles: [feed]\n"
    << "  - name: insured-portal\n    subject: CN=insured-portal,OU=DSI,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n    roles: [insured_self]\n"
    << "  - name: hub-admin2\n    subject: CN=hub-admin2,OU=DSI,O=CNSS,C=MA\n"
    << "    issuer: " << dev_ca_subject("CNSS") << "\n"
    << "    roles: [mapping_author, mapping_approver]\n";
  if (!o.agreements_yaml.empty() || !o.feed_agreements_yaml.empty()) {
    y << "agreements:\n" << o.agreements_yaml << o.feed_agreements_yaml;
  }
  // The events DGCT, OMPIC and ANRC push are read by the project's mappings.
  if (o.mappings && o.partner_events) {
    y << "events:\n  retry_every_ms: 1000\n  sources:\n"
      << "    dgct: {principal: dgct, mapping: dgct.civil_event}\n"
      << "    ompic: {principal: ompic, mapping: ompic.company_event}\n"
      << "    anrc: {principal: anrc, mapping: anrc.eligibility_event}\n";
  }
  if (!o.feed_yaml.empty()) y << "feed:\n" << o.feed_yaml;
  y << o.extra_yaml;
  return y.str();
}

std::string feed_consumer_agreements(bool statistics_in_force) {
  const std::string quota = "    quota: {per_second: 1000, per_day: 1000000000}\n";
  const std::string rest = quota + "    valid_from: 2026-01-01\n    valid_until: 2099-12-31\n";
  const std::string ended = quota + "    valid_from: 2020-01-01\n    valid_until: 2020-12-31\n";
  return "  feed_prestations:\n    principal: feed-prestations\n"
         "    legal_basis: {text: benefits, reference: TEST-FEED-1}\n"
         "    purposes: [BENEFITS]\n    resources:\n"
         "      person: {fields: [cnie, last_name, first_name, birth_date, sex, address, card,"
         " death_date]}\n"
         "      insured: {fields: [immatriculation, cnie, category, status, status_since,"
         " status_reason, status_cause, registered_on, rib, contact/phone, contact/email,"
         " contact/address]}\n"
         "      family: {fields: [immatriculation, holder_cnie, members, members/cnie,"
         " members/last_name, members/first_name, members/birth_date, members/death_date]}\n"
         "      employer: {fields: [affiliation_number, ice, company_name, status, status_since,"
         " affiliated_on, agency, declared_employees_last_month]}\n" +
         rest +
         "  feed_statistics:\n    principal: feed-statistics\n"
         "    legal_basis: {text: statistics, reference: TEST-FEED-2}\n"
         "    purposes: [STATISTICS]\n    resources:\n"
         "      insured: {fields: [category, status, status_since, registered_on]}\n"
         "      employer: {fields: [affiliation_number, status, affiliated_on]}\n" +
         (statistics_in_force ? rest : ended);
}

HubProcess::HubProcess(const HubOptions& options) {
  dir_ = options.dir.empty() ? temp_dir("cnss-hub-test") : options.dir;
  config_ = dir_ + "/hub.yaml";
  std::ofstream(config_) << hub_test_config(dir_, options);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{binary_dir() + "/bin/cnss-hub", "serve", "--config", config_});
  // A hub that cannot start logs why and exits (the wait ends at its end of output); one that
  // starts may log errors first and still serve (a stopped exchange journal: docs/audit.md).
  auto ready = process_->wait_for_line(
      [](const std::string& l) { return l.find("\"msg\":\"ready\"") != std::string::npos; },
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

std::string partners_for_sim(const std::map<std::string, unsigned short>& ports,
                             const std::string& extra, int request_timeout_ms) {
  const std::string p = pki_dir();
  std::ostringstream y;
  for (const auto& [name, port] : ports) {
    y << "  " << name << ":\n    base_url: https://127.0.0.1:" << port << "\n"
      << "    server_name: localhost\n"
      << "    ca: " << p << "/ca/" << name << ".crt\n"
      << "    certificate: " << p << "/hub/client-" << name << ".crt\n"
      << "    key: " << p << "/hub/client-" << name << ".key\n"
      << "    request_timeout_ms: " << request_timeout_ms << "\n";
    if (name == "dgsn") {
      y << "    purposes: [IMMATRICULATION, AFFILIATION, AYANTS_DROIT, CONTROLE]\n";
    }
    if (name == "dgct") y << "    purposes: [IMMATRICULATION, AYANTS_DROIT, CONTROLE]\n";
    if (name == "anrc") y << "    purposes: [IMMATRICULATION, CONTROLE]\n";
    // DGI's rate, unless the test sets every partner's own (a key written twice is refused).
    if (name == "dgi" && extra.find("rate_limit:") == std::string::npos) {
      y << "    rate_limit: {per_second: 45, burst: 90}\n";
    }
    y << extra;
  }
  return y.str();
}

std::string audit_yaml(int interval_ms, const std::string& extra) {
  return "  signing_key: " + pki("journal/signing.key") + "\n  origin: " + kJournalOrigin +
         "\n  checkpoint_interval_ms: " + std::to_string(interval_ms) + "\n" + extra;
}

std::string journal_public_key() {
  return pki("journal/signing.pub.pem");
}

std::string store_yaml(const std::string& engine, const std::string& sqlite_path,
                       const std::string& postgres_url) {
  return engine == "sqlite" ? "  engine: sqlite\n  path: " + sqlite_path + "\n"
                            : "  engine: postgresql\n  url: \"" + postgres_url + "\"\n";
}

std::string default_exchange_yaml(int deadline_ms) {
  return "  deadline_ms: " + std::to_string(deadline_ms) + R"(
  recipes:
    person:
      steps:
        - {as: person, partner: dgsn, operation: identity, mapping: dgsn.identity, params: {cnie: "{cnie}"}}
        - {as: family, partner: dgct, operation: family, mapping: dgct.family, params: {cnie: "{cnie}"}}
        - {as: taxpayer, partner: dgi, operation: taxpayer_by_cnie, mapping: dgi.taxpayer, params: {cnie: "{cnie}"}, only_for_categories: [TNS]}
        - {as: household, partner: anrc, operation: household, mapping: anrc.household, params: {cnie: "{cnie}"}, only_for_categories: [AMO_TADAMON]}
      conflicts:
        - {field: birth_date, values: ["person:/birth_date", "family:/holder/birth_date"]}
        - {field: last_name, values: ["person:/last_name", "family:/holder/last_name"]}
    employer_by_ice:
      steps:
        - {as: company, partner: ompic, operation: company_by_ice, mapping: ompic.company, params: {ice: "{ice}"}}
        - {as: taxpayer, partner: dgi, operation: taxpayer_by_ice, mapping: dgi.taxpayer, params: {ice: "{ice}"}}
    employer_by_rc:
      steps:
        - {as: company, partner: ompic, operation: company_by_rc, mapping: ompic.company, params: {tribunal: "{tribunal}", rc: "{rc}"}}
        - {as: taxpayer, partner: dgi, operation: taxpayer_by_ice, mapping: dgi.taxpayer, params: {ice: "{company:/ice}"}}
)";
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
